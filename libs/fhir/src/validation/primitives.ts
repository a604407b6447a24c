import type { SchemaNode } from './schema-types';

/**
 * The official schema's primitive rules, corrected where they fail in JavaScript:
 * - FHIR regexes use XML Schema semantics, where `\s` is only [ \t\n\r]. In JavaScript it also
 *   matches NBSP and U+202F, which French typography puts before `:` `;` `?` `!`, so the
 *   schema as written rejects ordinary French text. Rewritten with the XML meaning.
 * - The base64Binary pattern `(\s*(...){4}\s*)+` backtracks exponentially on whitespace:
 *   replaced by a linear check (custom keyword fhirBase64).
 * - integer, positiveInt and unsignedInt are `type: number` with a pattern, and JSON Schema
 *   ignores patterns on numbers, so 1.5 and -3 passed as positiveInt: now integers with bounds.
 * - date, dateTime and instant SHALL be real dates: 2024-02-30 is refused (fhirCalendarDate).
 * - xhtml (Narrative.div) has no type at all: it must at least be a string.
 * Inline copies of a primitive's schema in choice elements (`valueInteger`) are matched by
 * their pattern and rewritten the same way.
 */
const WS = '[ \\t\\n\\r]';
const NOT_WS = '[^ \\t\\n\\r]';
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** `undefined` removes the keyword. */
type Patch = Readonly<Record<string, unknown>>;

const PATCHES: Readonly<Record<string, Patch>> = {
  string: { pattern: undefined, minLength: 1 },
  markdown: { pattern: undefined, minLength: 1 },
  code: { pattern: `^${NOT_WS}+(${WS}${NOT_WS}+)*$` },
  uri: { pattern: `^${NOT_WS}*$` },
  url: { pattern: `^${NOT_WS}*$` },
  canonical: { pattern: `^${NOT_WS}*$` },
  base64Binary: { pattern: undefined, fhirBase64: true },
  boolean: { pattern: undefined },
  decimal: { pattern: undefined },
  integer: { pattern: undefined, type: 'integer', minimum: INT32_MIN, maximum: INT32_MAX },
  positiveInt: { pattern: undefined, type: 'integer', minimum: 1, maximum: INT32_MAX },
  unsignedInt: { pattern: undefined, type: 'integer', minimum: 0, maximum: INT32_MAX },
  date: { fhirCalendarDate: true },
  dateTime: { fhirCalendarDate: true },
  instant: { fhirCalendarDate: true },
  xhtml: { type: 'string' },
};

/** The base64Binary definition has no pattern; its inline copies do. */
const INLINE_ONLY_PATTERNS: Readonly<Record<string, string>> = {
  '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$': 'base64Binary',
};

/** What a value of each patterned primitive looks like, for diagnostics (never the value itself). */
const EXPECTED: Readonly<Record<string, string>> = {
  date: 'a date: YYYY, YYYY-MM or YYYY-MM-DD',
  dateTime: 'a dateTime: YYYY, YYYY-MM, YYYY-MM-DD, or YYYY-MM-DDThh:mm:ss with a time zone',
  instant: 'an instant: YYYY-MM-DDThh:mm:ss(.sss) with a time zone',
  time: 'a time: hh:mm:ss',
  id: "an id: 1 to 64 letters, digits, '-' or '.'",
  code: 'a code: no leading, trailing or repeated whitespace',
  uri: 'a URI without whitespace',
  url: 'a URL without whitespace',
  canonical: 'a canonical URL without whitespace',
  oid: 'an OID: urn:oid:1.2.3',
  uuid: 'a UUID: urn:uuid: followed by lower-case hexadecimal',
};

/** Primitives handled here, by definition name. */
const PRIMITIVES: readonly string[] = [...new Set([...Object.keys(PATCHES), ...Object.keys(EXPECTED)])];

export interface PrimitiveRewriter {
  /** Rewrites one schema node in place if it is (an inline copy of) a primitive's schema. */
  readonly rewrite: (node: SchemaNode) => void;
  /** What a rewritten pattern expects, e.g. 'a date: YYYY, YYYY-MM or YYYY-MM-DD'. */
  readonly expectedFor: (pattern: string) => string | undefined;
}

export function primitiveRewriter(definitions: Readonly<Record<string, SchemaNode>>): PrimitiveRewriter {
  const nameByPattern = new Map<string, string>(Object.entries(INLINE_ONLY_PATTERNS));
  for (const name of PRIMITIVES) {
    const pattern = definitions[name]?.pattern;
    if (pattern !== undefined && !nameByPattern.has(pattern)) nameByPattern.set(pattern, name);
  }
  const expectedByPattern = new Map<string, string>();
  const rewrite = (node: SchemaNode, name: string | undefined) => {
    if (name === undefined) return;
    for (const [keyword, value] of Object.entries(PATCHES[name] ?? {})) {
      if (value === undefined) delete node[keyword];
      else node[keyword] = value;
    }
    const expected = EXPECTED[name];
    if (node.pattern !== undefined && expected !== undefined && !expectedByPattern.has(node.pattern)) {
      expectedByPattern.set(node.pattern, expected);
    }
  };
  // Definitions first, by name: base64Binary has no pattern to be recognised by.
  for (const name of PRIMITIVES) {
    const node = definitions[name];
    if (node !== undefined && node.properties === undefined) rewrite(node, name);
  }
  return {
    rewrite: (node) =>
      rewrite(node, node.pattern === undefined ? undefined : nameByPattern.get(node.pattern)),
    expectedFor: (pattern) => expectedByPattern.get(pattern),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const XML_WHITESPACE = /[ \t\n\r]+/g;

/** base64Binary: FHIR allows whitespace between groups. Linear, whatever the input. */
export function isBase64(value: string): boolean {
  return BASE64.test(value.replace(XML_WHITESPACE, ''));
}

const YEAR_MONTH_DAY = /^(\d{4})-(\d{2})-(\d{2})/;

/** True unless the value starts with a day its month does not have (2023-02-29, 2024-04-31). */
export function isCalendarDate(value: string): boolean {
  const match = YEAR_MONTH_DAY.exec(value);
  if (match === null) return true; // a partial date, or a format error the pattern reports
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days =
    month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}
