import { readFileSync } from 'node:fs';
import type { Font, Glyph } from 'fontkit';
import { withFastSubsets } from './font-subset';
import { createFont } from './pdf-libraries';

/**
 * DejaVu Sans from the `dejavu-fonts-ttf` package: wide Unicode coverage (Latin with every accent,
 * Greek, Cyrillic, Hebrew, Arabic, Armenian, Georgian...), so patients' names render as written.
 *
 * Read and parsed once per process, then shared by every document (each still embeds its own
 * subset of the glyphs it uses). Three costs are paid once instead of per PDF:
 * - given the file's bytes, pdfkit parses the font again for each document, which made a 2-page
 *   letter about six times slower than the same text in a built-in font;
 * - fontkit shapes every word (OpenType substitutions and kerning), then pdfkit scales the result
 *   to its text space and keeps it, per document only: each letter shaped and scaled "votre",
 *   "dossier"... again, and a print run (one document) kept every word of every letter until its
 *   end (names, dates and references differ per letter: memory grew with the run). Each document's
 *   fonts are given one word cache per weight for the whole process instead, bounded
 *   (`sharedLayouts`): pdfkit reads what it cached before, never modifies it;
 * - embedding a subset re-parses every glyph's outline record (fontkit 2.0 does not keep it) only
 *   to see whether the glyph is composite. The parsed font's glyphs keep their parsed record, and
 *   the subset's file is written from the font file's bytes (font-subset.ts).
 * The last two rely on the font being static (DejaVu has no variation axes): nothing they keep changes.
 */
const FILES = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
} as const;

export type FontWeight = keyof typeof FILES;

/** The names documents register the fonts under. */
export const FONT: Readonly<Record<FontWeight, string>> = { regular: 'Letter', bold: 'Letter-Bold' };

/** Shaped words kept per font; past that, the oldest go (names and dates vary, words do not). */
export const MAX_CACHED_WORDS = 4_000;
/** Longer strings (a hostile 10,000-character name) are shaped each time, never kept. */
export const MAX_CACHED_LENGTH = 64;

/**
 * pdfkit's word cache for one font, shared by every document that uses the font: what pdfkit's
 * font object reads and writes as `layoutCache[word]` (its per-document cache, an object), kept
 * in a Map of at most MAX_CACHED_WORDS words, the oldest dropped first. pdfkit scales a shaped word
 * by the font's units per em (the same font in every document, so the same scale) and only reads
 * it afterwards (word spacing makes copies), so one document's entry is what another would make.
 */
export function sharedLayouts(maxWords = MAX_CACHED_WORDS): Record<string, unknown> {
  const words = new Map<string, unknown>();
  return new Proxy(Object.create(null) as Record<string, unknown>, {
    get: (_target, word) => (typeof word === 'string' ? words.get(word) : undefined),
    set: (_target, word, run: unknown) => {
      if (typeof word !== 'string' || word.length > MAX_CACHED_LENGTH) return true;
      if (words.size >= maxWords && !words.has(word)) words.delete(words.keys().next().value as string);
      words.set(word, run);
      return true;
    },
    has: (_target, word) => typeof word === 'string' && words.has(word),
  });
}

/** Makes this font instance's glyphs parse their outline record once (fontkit caches the glyphs). */
function withParsedGlyphs(font: Font): Font {
  const getGlyph = font.getGlyph.bind(font);
  const done = new WeakSet<Glyph>();
  font.getGlyph = (id: number, codePoints?: number[]): Glyph => {
    const glyph = getGlyph(id, codePoints);
    const decode = glyph._decode;
    if (!done.has(glyph) && typeof decode === 'function') {
      done.add(glyph);
      let record: unknown;
      let parsedOnce = false;
      glyph._decode = () => {
        if (!parsedOnce) {
          record = decode.call(glyph);
          parsedOnce = true;
        }
        return record;
      };
    }
    return glyph;
  };
  return font;
}

let parsed: Readonly<Record<FontWeight, Font>> | undefined;
let layouts: Readonly<Record<FontWeight, Record<string, unknown>>> | undefined;

function load(file: string): Font {
  const bytes = readFileSync(require.resolve(file));
  return withFastSubsets(withParsedGlyphs(createFont(bytes)), bytes);
}

export function letterFonts(): Readonly<Record<FontWeight, Font>> {
  parsed ??= { regular: load(FILES.regular), bold: load(FILES.bold) };
  return parsed;
}

/**
 * Registers both weights on a document, gives them the process's word caches and selects the
 * regular one. Both are opened here, regular first: the ids pdfkit gives them (F1, F2) and the
 * document's bytes are those of a document that opens bold at its first bold word, and a font
 * opened but never used is not embedded.
 */
export function useLetterFonts(doc: PDFKit.PDFDocument): void {
  const fonts = letterFonts();
  layouts ??= { regular: sharedLayouts(), bold: sharedLayouts() };
  doc.registerFont(FONT.regular, fonts.regular);
  doc.registerFont(FONT.bold, fonts.bold);
  for (const weight of ['regular', 'bold'] as const) {
    doc.font(FONT[weight]);
    if (doc._font.layoutCache) doc._font.layoutCache = layouts[weight];
  }
  doc.font(FONT.regular);
}
