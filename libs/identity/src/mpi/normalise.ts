/** Normalisation shared by the index's keys: what agencies spell differently compares equal. */

const FOLDED: Readonly<Record<string, string>> = { Œ: 'OE', Æ: 'AE', Ø: 'O', Ł: 'L', Đ: 'D', Þ: 'TH' };

/**
 * Folds what agencies spell differently: accents, case, ligatures, hyphens, apostrophes, spaces
 * and other punctuation (`Le Gall-Ménard` = `LE GALL MENARD` = `legallmenard`).
 */
export function normaliseName(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toUpperCase()
    .replace(/[ŒÆØŁĐÞ]/g, (c) => FOLDED[c] ?? c)
    .replace(/[^\p{L}\p{N}]/gu, '');
}

export function normalisePostalCode(value: string): string {
  return value.toUpperCase().replace(/[^A-Z0-9]/g, '');
}
