import { plainLine } from './plain-text';

/**
 * The print run's CSV manifest (RFC 4180, CRLF line ends): one row per envelope, for the mailroom
 * to check the pile against and to post it. It holds no clinical data (no kind of letter, no name):
 * the letter's id, an opaque patient reference, where the envelope's pages start in the merged PDF,
 * its pages and sheets, the postage class, and which envelope of the letter it is ("1 of 1"; a
 * summary too long for one envelope comes in several, "1 of 2", "2 of 2", one row each).
 *
 * Spreadsheets run a cell that starts with = + - @ (or tab, CR) as a formula; such a cell is
 * prefixed with an apostrophe, and every text cell is quoted.
 */
export const MANIFEST_COLUMNS = [
  'letter_id',
  'patient_reference',
  'first_page',
  'pages',
  'sheets',
  'postage_class',
  'envelope',
] as const;

export interface ManifestRow {
  letterId: string;
  patientReference: string;
  firstPage: number;
  pages: number;
  sheets: number;
  postageClass: string;
  /** "1 of 2": which envelope of the letter this row is. */
  envelope: string;
}

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(value: string | number): string {
  if (typeof value === 'number') return String(value);
  // Trimmed first, so a formula cannot hide behind leading spaces either.
  const text = plainLine(value, 200);
  const safe = FORMULA_START.test(value) || FORMULA_START.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function manifestHeader(): string {
  return `${MANIFEST_COLUMNS.join(',')}\r\n`;
}

export function manifestLine(row: ManifestRow): string {
  return `${[
    row.letterId,
    row.patientReference,
    row.firstPage,
    row.pages,
    row.sheets,
    row.postageClass,
    row.envelope,
  ]
    .map(csvCell)
    .join(',')}\r\n`;
}
