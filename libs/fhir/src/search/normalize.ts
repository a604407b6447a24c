/**
 * The form strings are compared in: lower case, accents removed (`Hélène` → `helene`),
 * apostrophes and other punctuation dropped (`O'Connor` → `oconnor`), hyphens and runs of
 * space as one space (`Jean-Pierre` → `jean pierre`). The same function runs on stored values
 * and on search values, so a prefix of one is a prefix of the other.
 */
export function normalizeString(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .replace(/æ/g, 'ae')
    .replace(/œ/g, 'oe')
    .replace(/ø/g, 'o')
    .replace(/[\s\-_/]+/g, ' ')
    .replace(/[^\p{L}\p{N} ]/gu, '')
    .trim();
}

/**
 * A decimal as written, with its implied precision: `5.4` means [5.35, 5.45), `100` means
 * [99.5, 100.5) (FHIR search's rule for `eq`). Exponents are refused.
 */
export interface DecimalValue {
  value: number;
  lo: number;
  hi: number;
}

export function parseDecimal(raw: string): DecimalValue | undefined {
  if (!/^[-+]?\d+(\.\d+)?$/.test(raw)) return undefined;
  const value = Number(raw);
  const decimals = raw.includes('.') ? raw.length - raw.indexOf('.') - 1 : 0;
  const half = 0.5 * 10 ** -decimals;
  return { value, lo: value - half, hi: value + half };
}
