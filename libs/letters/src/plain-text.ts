/**
 * Everything a letter prints that came from outside the service (names, reasons, agency names,
 * clinical display texts) goes through here first. pdfkit draws strings as glyphs, never as markup
 * or links, so HTML or `javascript:` stays visible text; what remains dangerous is what a reader
 * cannot see: control characters, and the Unicode bidirectional overrides and isolates that make
 * a printed line read differently from what was stored (U+202A–U+202E, U+2066–U+2069), plus the
 * invisible direction marks. They are removed.
 *
 * Lengths are capped with an ellipsis, so a hostile 10,000-character name cannot push a letter past
 * its 10 pages: no real name, agency name or reason is that long.
 */

// C0 controls except tab, line feed and carriage return (handled as whitespace), DEL and C1 controls.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Embeddings, overrides (U+202A–U+202E), isolates (U+2066–U+2069), LRM/RLM/ALM, BOM.
const BIDI_AND_INVISIBLE = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C\uFEFF]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const LINE_BREAKS = /\r\n|[\r\n\u2028\u2029\u0085]/g;
const SPACES = /[\t\f\v \u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]+/g;

/** Default caps: a name or label, and a free-text paragraph. */
export const MAX_LINE = 200;
export const MAX_PARAGRAPH = 2000;

const ELLIPSIS = '…';

function clean(value: string | undefined): string {
  if (!value) return '';
  return value
    .normalize('NFC')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(BIDI_AND_INVISIBLE, '')
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROL, '');
}

function cap(text: string, max: number): string {
  if (text.length <= max) return text;
  // Never cut a surrogate pair in half.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end).trimEnd()}${ELLIPSIS}`;
}

/** One line of text: every run of whitespace, line breaks included, becomes one space. */
export function plainLine(value: string | undefined, max = MAX_LINE): string {
  return cap(clean(value).replace(/\n/g, ' ').replace(SPACES, ' ').trim(), max);
}

/** A paragraph that may hold line breaks: kept, at most one blank line in a row. */
export function plainParagraph(value: string | undefined, max = MAX_PARAGRAPH): string {
  const lines = clean(value)
    .split('\n')
    .map((line) => line.replace(SPACES, ' ').trim());
  const text = lines
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return cap(text, max);
}

/** True when the string holds a character `plainLine` would remove (address validation refuses those). */
export function hasHiddenCharacters(value: string): boolean {
  return (
    new RegExp(CONTROL.source).test(value.replace(/[\t\r\n]/g, '')) ||
    new RegExp(BIDI_AND_INVISIBLE.source).test(value) ||
    new RegExp(LONE_SURROGATE.source).test(value)
  );
}
