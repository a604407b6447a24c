import { fhirDatePrecision, formatFhirDate, statusName } from '../format';
import type { Writer } from '../layout/writer';
import type { PatientSummaryLetter } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';
import { readSummary, type SummaryItem } from '../summary-view';

/**
 * The patient's own summary, in words: one heading per section (all of them, "nothing recorded"
 * when empty), one bullet per entry saying what it is, when, and who recorded it. Codes are left
 * out: they mean nothing to a patient.
 */
function itemText(item: SummaryItem, t: LetterStrings, timeZone: string | undefined): string {
  const status = item.status ? ` (${plainLine(statusName(item.status, t), 60)})` : '';
  const detail = item.detail ? `${t.colon}${plainLine(item.detail, 300)}` : '';
  const when = item.date ?? item.recorded;
  const provenance = [
    when ? t.summary.dated(formatFhirDate(when, t, timeZone), fhirDatePrecision(when)) : undefined,
    item.agency ? t.summary.recordedBy(plainLine(item.agency, 120)) : undefined,
  ].filter(Boolean);
  const second = provenance.length > 0 ? `\n${provenance.join(', ')}` : '';
  return `${plainLine(item.text, 200)}${status}${detail}${second}`;
}

export const summaryLetter = {
  title: (t: LetterStrings): string => t.summary.title,
  body(w: Writer, letter: PatientSummaryLetter, t: LetterStrings): void {
    const view = readSummary(letter.summary, t.locale);
    w.paragraph(t.summary.intro(plainLine(letter.sender.service, 80)));
    for (const section of view.sections) {
      w.heading(t.summary.sections[section.key]);
      if (section.items.length === 0) w.paragraph(t.nothingRecorded);
      else w.bullets(section.items.map((item) => itemText(item, t, letter.timeZone)));
    }
    w.paragraph(t.summary.correction);
  },
};
