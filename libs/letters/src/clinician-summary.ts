import type { Bundle } from 'fhir/r4';
import { FONT } from './fonts';
import { formatDateTime, formatFhirDate, statusName } from './format';
import { CONTENT_WIDTH_MM, MARGIN_MM, mmToPt, STANDARD_TYPE } from './geometry';
import { Writer, type PageOptions } from './layout/writer';
import { plainLine } from './plain-text';
import { collect, newDocument } from './render-letter';
import { DEFAULT_LANGUAGE, type Language, stringsFor } from './strings';
import { readSummary, type SummaryItem } from './summary-view';

/**
 * The summary document as a PDF for a clinician (`$summary` with `Accept: application/pdf`): A4,
 * no address window, the patient's identity at the top, each section a heading and a list (code,
 * status, clinical date, source agency), every page footed with the patient's name and "page x of
 * y" so loose printed pages stay attributable. It shows exactly what the Bundle holds: the
 * consent filtering happened when the Bundle was built.
 */

export interface SummaryPdfOptions {
  language?: Language;
  timeZone?: string;
}

const FOOTER_SIZE = 8;
const FOOTER_MM = 12;

function itemText(item: SummaryItem, t: ReturnType<typeof stringsFor>, timeZone: string | undefined): string {
  const code = item.code ? ` [${plainLine(item.code, 40)}]` : '';
  const detail = item.detail ? `${t.colon}${plainLine(item.detail, 400)}` : '';
  const facts = [
    item.status ? `${t.clinician.status}${t.colon}${plainLine(statusName(item.status, t), 60)}` : undefined,
    item.date ? formatFhirDate(item.date, t, timeZone) : undefined,
    item.agency ? `${t.clinician.source}${t.colon}${plainLine(item.agency, 120)}` : undefined,
  ].filter(Boolean);
  return `${plainLine(item.text, 300)}${code}${detail}${facts.length > 0 ? `\n${facts.join(' · ')}` : ''}`;
}

export async function renderSummaryPdf(document: Bundle, options: SummaryPdfOptions = {}): Promise<Buffer> {
  const t = stringsFor(options.language ?? DEFAULT_LANGUAGE);
  const view = readSummary(document, t.locale);
  const patientName = plainLine(view.patient?.name, 200);
  const doc = newDocument({ title: t.clinician.title, author: 'Passerelle', lang: t.locale });
  const done = collect(doc);
  const page: PageOptions = {
    size: 'A4',
    margins: {
      top: mmToPt(15),
      bottom: mmToPt(FOOTER_MM + 6),
      left: mmToPt(MARGIN_MM.left),
      right: mmToPt(MARGIN_MM.right),
    },
  };
  doc.addPage(page);
  const w = new Writer(doc, STANDARD_TYPE, page);
  w.title(t.clinician.title);
  const generated = view.date ? formatDateTime(new Date(view.date), t, options.timeZone) : t.unknownDate;
  w.labelled(t.clinician.patient, patientName || t.unknown, t.colon);
  if (view.patient?.birthDate) {
    w.labelled(t.clinician.born, formatFhirDate(view.patient.birthDate, t, options.timeZone), t.colon);
  }
  const identifiers = (view.patient?.identifiers ?? []).slice(0, 5).map((i) => plainLine(i, 60));
  if (identifiers.length > 0) w.labelled(t.clinician.identifier, identifiers.join(', '), t.colon);
  w.labelled(t.clinician.generated, generated, t.colon);
  w.rule();

  for (const section of view.sections) {
    w.heading(t.clinician.sectionTitles[section.key]);
    if (section.items.length === 0) w.paragraph(t.nothingRecorded);
    else w.bullets(section.items.map((item) => itemText(item, t, options.timeZone)));
  }

  const range = doc.bufferedPageRange();
  const left = mmToPt(MARGIN_MM.left);
  const width = mmToPt(CONTENT_WIDTH_MM);
  for (let i = 0; i < range.count; i++) {
    doc.switchToPage(range.start + i);
    doc.page.margins.bottom = 0;
    const y = doc.page.height - mmToPt(FOOTER_MM);
    doc.font(FONT.regular).fontSize(FOOTER_SIZE);
    const label = `${t.clinician.title}${t.colon}${patientName || t.unknown}`;
    doc.text(label.slice(0, 120), left, y, { width: width * 0.75, lineBreak: false, ellipsis: true });
    doc.text(t.page(i + 1, range.count), left, y, { width, align: 'right', lineBreak: false });
  }
  doc.end();
  return done;
}
