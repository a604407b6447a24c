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

/** Entries of a summary, in order: each item, and each empty section's "nothing recorded". */
export function summaryEntryCount(letter: PatientSummaryLetter, t: LetterStrings): number {
  return readSummary(letter.summary, t.locale).sections.reduce((n, s) => n + Math.max(1, s.items.length), 0);
}

export const summaryLetter = {
  title: (t: LetterStrings): string => t.summary.title,
  body(w: Writer, letter: PatientSummaryLetter, t: LetterStrings): void {
    const view = readSummary(letter.summary, t.locale);
    const envelope = letter.envelope;
    if (envelope) {
      // Each envelope says which it is, on its first page, and why there are several.
      w.paragraph(t.grouped.envelope(envelope.index, envelope.of), { bold: true });
      w.paragraph(t.grouped.envelopeNote(envelope.of, plainLine(letter.reference, 40)));
    }
    if (!envelope || envelope.index === 1) w.paragraph(t.summary.intro(plainLine(letter.sender.service, 80)));
    let next = 0;
    for (const section of view.sections) {
      const first = next;
      const entries = Math.max(1, section.items.length);
      next += entries;
      const from = envelope ? Math.max(0, envelope.from - first) : 0;
      const to = envelope ? Math.min(entries, envelope.to - first) : entries;
      if (from >= to) continue;
      const heading = t.summary.sections[section.key];
      w.heading(from > 0 ? t.grouped.continued(heading) : heading);
      if (section.items.length === 0) w.paragraph(t.nothingRecorded);
      else w.bullets(section.items.slice(from, to).map((item) => itemText(item, t, letter.timeZone)));
    }
    if (!envelope || envelope.index === envelope.of) w.paragraph(t.summary.correction);
  },
};
