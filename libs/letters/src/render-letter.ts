import { useLetterFonts } from './fonts';
import { MAX_PAGES } from './geometry';
import { accessReportLetter } from './kinds/access-report';
import { appointmentLetter } from './kinds/appointment';
import { breakGlassLetter } from './kinds/break-glass';
import { consentChangeLetter } from './kinds/consent-change';
import { drawConsentForm } from './kinds/consent-form';
import { consentFormRecordedLetter } from './kinds/consent-form-recorded';
import { medicinesLetter } from './kinds/medicines';
import { summaryLetter } from './kinds/summary-letter';
import { drawFirstPage, drawFooter, measureFooter, pageOptions, typeScale } from './layout/frame';
import { Writer } from './layout/writer';
import { type Letter, LetterTooLongError } from './letter-types';
import { pdfDocumentClass } from './pdf-libraries';
import { plainLine } from './plain-text';
import { DEFAULT_LANGUAGE, type LetterStrings, stringsFor } from './strings';

/**
 * One letter, drawn onto a pdfkit document (its own, or a print run's): first-page head, title,
 * greeting, the kind's body, sign-off, then the footer with "page x of y" on each of its pages.
 * The document must buffer pages (`bufferPages: true`) so the footers can be drawn once the page
 * count is known.
 */

export interface DocumentOptions {
  title: string;
  author: string;
  lang: string;
}

/** `compress: false` for documents nobody reads (measuring). */
export function newDocument(
  options: DocumentOptions,
  { compress = true }: { compress?: boolean } = {},
): PDFKit.PDFDocument {
  const PDFDocument = pdfDocumentClass();
  const doc = new PDFDocument({
    compress,
    // No default font: pdfkit would load Helvetica's metrics into every document for nothing.
    font: '',
    size: 'A4',
    autoFirstPage: false,
    bufferPages: true,
    lang: options.lang,
    displayTitle: true,
    info: { Title: options.title, Author: options.author, Creator: 'Passerelle' },
  });
  useLetterFonts(doc);
  return doc;
}

export function letterStrings(letter: Letter): LetterStrings {
  return stringsFor(letter.language ?? DEFAULT_LANGUAGE);
}

export function letterTitle(letter: Letter): string {
  const t = letterStrings(letter);
  switch (letter.kind) {
    case 'patient-summary':
      return summaryLetter.title(t);
    case 'break-glass':
      return breakGlassLetter.title(t);
    case 'access-report':
      return accessReportLetter.title(t);
    case 'consent-change':
      return consentChangeLetter.title(t);
    case 'consent-form-recorded':
      return consentFormRecordedLetter.title(t);
    case 'appointment':
      return appointmentLetter.title(letter, t);
    case 'medicines':
      return medicinesLetter.title(t);
  }
}

function writeBody(w: Writer, letter: Letter, t: LetterStrings): void {
  switch (letter.kind) {
    case 'patient-summary':
      return summaryLetter.body(w, letter, t);
    case 'break-glass':
      return breakGlassLetter.body(w, letter, t);
    case 'access-report':
      return accessReportLetter.body(w, letter, t);
    case 'consent-change':
      return consentChangeLetter.body(w, letter, t);
    case 'consent-form-recorded':
      return consentFormRecordedLetter.body(w, letter, t);
    case 'appointment':
      return appointmentLetter.body(w, letter, t);
    case 'medicines':
      return medicinesLetter.body(w, letter, t);
  }
}

/** What follows the sign-off: the paper form of a consent letter. */
function writeAppendix(w: Writer, letter: Letter, t: LetterStrings): void {
  if ((letter.kind === 'consent-change' || letter.kind === 'consent-form-recorded') && letter.form)
    drawConsentForm(w, letter, letter.form, t);
}

/**
 * Draws `letter` from a new page on; returns how many pages it took. With `footers: false` (a
 * measuring pass) the footers are skipped: their room is reserved either way, so the count is the same.
 */
export function drawLetter(doc: PDFKit.PDFDocument, letter: Letter, footers = true): number {
  const t = letterStrings(letter);
  const type = typeScale(letter.largePrint);
  const footer = measureFooter(doc, letter, t, type);
  const page = pageOptions(footer);
  doc.addPage(page);
  const range = doc.bufferedPageRange();
  const first = range.start + range.count - 1;

  const w = new Writer(doc, type, page);
  doc.y = drawFirstPage(w, letter, t);
  w.title(letterTitle(letter));
  w.paragraph(t.greeting(plainLine(letter.patientName, 200)));
  writeBody(w, letter, t);
  w.keep(w.lineHeight() * 3);
  w.gap();
  w.paragraph(t.signOff);
  w.paragraph(t.team(plainLine(letter.sender.service, 80)));
  writeAppendix(w, letter, t);

  const end = doc.bufferedPageRange();
  const pages = end.start + end.count - first;
  if (footers) {
    for (let i = 0; i < pages; i++) {
      doc.switchToPage(first + i);
      drawFooter(doc, footer, t.page(i + 1, pages));
    }
  }
  return pages;
}

export function collect(doc: PDFKit.PDFDocument): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  return new Promise((resolve, reject) => {
    doc.on('data', (chunk: Uint8Array) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

export interface RenderedLetter {
  pdf: Buffer;
  pages: number;
}

/** One letter as its own PDF. A letter over 10 pages throws `LetterTooLongError` (the letter is held). */
export async function renderLetter(letter: Letter): Promise<RenderedLetter> {
  const t = letterStrings(letter);
  const doc = newDocument({
    title: letterTitle(letter),
    author: plainLine(letter.sender.service, 80),
    lang: t.locale,
  });
  const done = collect(doc);
  const pages = drawLetter(doc, letter);
  doc.end();
  const pdf = await done;
  if (pages > MAX_PAGES) throw new LetterTooLongError(pages);
  return { pdf, pages };
}

/**
 * How many pages `letter` takes, drawn into `scratch` (a document nobody reads: see
 * `measuringDocument`). Used before a letter joins a print run, where it can no longer be taken out.
 */
export function measureLetter(scratch: PDFKit.PDFDocument, letter: Letter): number {
  const pages = drawLetter(scratch, letter, false);
  flushWrittenPages(scratch);
  return pages;
}

/** What a written page's dictionary keeps: nothing (see flushWrittenPages). */
const WRITTEN: object = Object.freeze({});

/**
 * Writes the buffered pages out (`flushPages`), then lets go of what pdfkit would keep of them
 * until the document ends. pdfkit keeps each page's dictionary in the page tree (its resources,
 * media box, content stream object...) although, once written, only its object number is read
 * again (to list it as `n 0 R` in the tree): a print run of thousands of letters kept them all.
 * The written dictionaries are emptied, from the last one back to the first already emptied.
 */
export function flushWrittenPages(doc: PDFKit.PDFDocument): void {
  doc.flushPages();
  const kids = doc._root.data.Pages.data.Kids;
  for (let i = kids.length - 1; i >= 0 && kids[i].data !== WRITTEN; i--) kids[i].data = WRITTEN;
}

/** A document for measuring, its output discarded as it is produced. */
export function measuringDocument(): PDFKit.PDFDocument {
  const doc = newDocument({ title: '', author: '', lang: 'fr-FR' }, { compress: false });
  doc.resume();
  return doc;
}
