import { dataClassName, formatDate, formatShortDate, purposeName } from '../format';
import { mmToPt } from '../geometry';
import type { Cell, Writer } from '../layout/writer';
import type { AccessEntry, AccessReportLetter } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';

/**
 * Who looked at the record during the period, as a table (date, who, what, why). Accesses on the
 * same day by the same person of the same service, to the same kind of data for the same reason,
 * make one row with a count: an audit trail has one event per resource read, and a patient wants
 * to know who looked and why, not every resource id. Break-glass rows are flagged in capitals and
 * never merged with ordinary ones.
 */

interface Row {
  day: string;
  agency: string;
  practitioner: string;
  dataClass: string;
  purpose: string;
  breakGlass: boolean;
  count: number;
}

/** Column widths in mm; they add up to the 180 mm text column. */
const COLUMNS_MM = { when: 26, who: 64, what: 50, why: 40 } as const;
const PADDING = 6;
/** Each cell is capped so a row stays far shorter than a page, even in large print. */
const CELL_MAX = 120;

export function groupAccesses(
  accesses: readonly AccessEntry[],
  t: LetterStrings,
  timeZone: string | undefined,
): Row[] {
  const sorted = [...accesses].sort((a, b) => a.at.getTime() - b.at.getTime());
  const rows = new Map<string, Row>();
  for (const a of sorted) {
    const row: Row = {
      day: formatShortDate(a.at, t, timeZone),
      agency: plainLine(a.agency, CELL_MAX),
      practitioner: plainLine(a.practitioner, CELL_MAX),
      dataClass: plainLine(a.dataClass, 60),
      purpose: plainLine(a.purpose, 30),
      breakGlass: a.breakGlass,
      count: 1,
    };
    const key = JSON.stringify([
      row.day,
      row.agency,
      row.practitioner,
      row.dataClass,
      row.purpose,
      row.breakGlass,
    ]);
    const seen = rows.get(key);
    if (seen) seen.count += 1;
    else rows.set(key, row);
  }
  return [...rows.values()];
}

function words(row: Row, t: LetterStrings): { who: string; what: string; why: string } {
  const r = t.accessReport;
  const who = [row.practitioner, row.agency].filter(Boolean).join(', ') || t.unknown;
  const what = row.dataClass ? dataClassName(row.dataClass, t) : t.unknown;
  const times = r.times(row.count);
  const why = row.purpose ? purposeName(row.purpose, t) : t.unknown;
  return { who, what: times ? `${what} (${times})` : what, why };
}

function cells(row: Row, t: LetterStrings): Cell[] {
  const { who, what, why } = words(row, t);
  return [
    { text: row.day, width: mmToPt(COLUMNS_MM.when) },
    { text: who, width: mmToPt(COLUMNS_MM.who) },
    { text: what, width: mmToPt(COLUMNS_MM.what) },
    {
      text: row.breakGlass ? `${t.accessReport.breakGlass} – ${why}` : why,
      width: mmToPt(COLUMNS_MM.why),
      bold: row.breakGlass,
    },
  ];
}

/** Table columns would be too narrow at 16 pt: large print lists each row as a short block. */
function block(w: Writer, row: Row, t: LetterStrings): void {
  const { who, what, why } = words(row, t);
  w.keep(w.lineHeight() * 3);
  w.paragraph(row.breakGlass ? `${row.day} – ${t.accessReport.breakGlass}` : row.day, { bold: true, gap: 0 });
  w.paragraph(who, { gap: 0 });
  w.paragraph(`${what} – ${why}`);
}

export const accessReportLetter = {
  title: (t: LetterStrings): string => t.accessReport.title,
  body(w: Writer, letter: AccessReportLetter, t: LetterStrings): void {
    const r = t.accessReport;
    const tz = letter.timeZone;
    w.paragraph(r.intro(formatDate(letter.period.start, t, tz), formatDate(letter.period.end, t, tz)));
    const rows = groupAccesses(letter.accesses, t, tz);
    if (rows.length === 0) {
      w.paragraph(r.none);
    } else if (letter.largePrint) {
      for (const row of rows) block(w, row, t);
      if (rows.some((row) => row.breakGlass)) w.paragraph(r.breakGlassNote);
    } else {
      const header = (): void => {
        w.row(
          [
            { text: r.columns.when, width: mmToPt(COLUMNS_MM.when), bold: true },
            { text: r.columns.who, width: mmToPt(COLUMNS_MM.who), bold: true },
            { text: r.columns.what, width: mmToPt(COLUMNS_MM.what), bold: true },
            { text: r.columns.why, width: mmToPt(COLUMNS_MM.why), bold: true },
          ],
          PADDING,
        );
        w.rule();
      };
      w.keep(w.lineHeight() * 3);
      header();
      for (const row of rows) w.row(cells(row, t), PADDING, header);
      w.gap();
      if (rows.some((row) => row.breakGlass)) w.paragraph(r.breakGlassNote);
    }
    w.paragraph(r.question(plainLine(letter.reference, 40)));
  },
};
