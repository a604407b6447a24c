import { PAPER_FORM_AGENCY_KINDS, PAPER_FORM_CATEGORY_KEYS } from '@passerelle/consent/paper-form';
import { FONT } from '../fonts';
import { formatDate } from '../format';
import { mmToPt } from '../geometry';
import type { Writer } from '../layout/writer';
import type { LetterCommon, PaperConsentForm } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';

/**
 * The paper consent form, drawn (not a PDF form: it is printed, ticked with a pen and posted
 * back): on a page of its own after the letter, the patient's name and the form's code, where and
 * by when to return it, a grid of boxes to agree to or refuse sharing with each kind of agency, a
 * grid of boxes opening each sensitive category to each kind of agency, and a signature and date
 * box. Every text is the service's own but the patient's name, printed as plain text.
 */

const ROW_PADDING = 3;

/** A box to tick, its side in points: a pen's tick needs room, large print more. */
const boxSize = (w: Writer) => Math.max(mmToPt(4.5), w.type.body * 1.1);

function box(w: Writer, x: number, y: number): void {
  const side = boxSize(w);
  w.doc.save().lineWidth(1).strokeColor('black').rect(x, y, side, side).stroke().restore();
}

function thinRule(w: Writer, y: number): void {
  w.doc
    .save()
    .lineWidth(0.4)
    .strokeColor('#888888')
    .moveTo(w.left, y)
    .lineTo(w.left + w.width, y)
    .stroke()
    .restore();
}

/**
 * A grid: a label per row, a box under each column's heading. A row never splits across pages;
 * the column headings are repeated on a new page.
 */
function grid(w: Writer, columns: readonly string[], rows: readonly string[]): void {
  const doc = w.doc;
  const labelWidth = w.width * (columns.length > 2 ? 0.43 : 0.5);
  const columnWidth = (w.width - labelWidth) / columns.length;
  const options = (width: number) => ({ width: width - ROW_PADDING, lineGap: w.type.lineGap });
  const side = boxSize(w);

  const headingHeight = () => {
    doc.font(FONT.bold).fontSize(w.type.body);
    return Math.max(
      ...columns.map((c) => doc.heightOfString(c, { ...options(columnWidth), align: 'center' })),
    );
  };
  const rowHeight = (label: string) => {
    doc.font(FONT.regular).fontSize(w.type.body);
    return Math.max(doc.heightOfString(label, options(labelWidth)), side) + ROW_PADDING * 2;
  };
  const headings = () => {
    const y = doc.y;
    doc.font(FONT.bold).fontSize(w.type.body).fillColor('black');
    columns.forEach((c, i) =>
      doc.text(c, w.left + labelWidth + i * columnWidth, y, { ...options(columnWidth), align: 'center' }),
    );
    doc.x = w.left;
    doc.y = y + headingHeight() + ROW_PADDING;
    thinRule(w, doc.y);
  };

  w.keep(headingHeight() + ROW_PADDING + rowHeight(rows[0] ?? ''));
  headings();
  for (const label of rows) {
    const height = rowHeight(label);
    if (doc.y + height > w.bottom) {
      w.newPage();
      headings();
    }
    const y = doc.y;
    doc.font(FONT.regular).fontSize(w.type.body).fillColor('black');
    doc.text(label, w.left, y + ROW_PADDING, options(labelWidth));
    columns.forEach((_, i) =>
      box(w, w.left + labelWidth + i * columnWidth + (columnWidth - side) / 2, y + ROW_PADDING),
    );
    doc.x = w.left;
    doc.y = y + height;
    thinRule(w, doc.y);
  }
  w.gap();
}

/** Two boxes side by side, each under its label: the signature (wide) and the date. */
function signatureAndDate(w: Writer, t: LetterStrings): void {
  const doc = w.doc;
  const f = t.consentForm;
  const height = Math.max(mmToPt(18), w.lineHeight() * 2.5);
  const gutter = mmToPt(6);
  const signatureWidth = w.width * 0.6;
  const dateWidth = w.width - signatureWidth - gutter;
  w.keep(w.lineHeight() + height + w.lineHeight());
  const y = doc.y;
  doc.font(FONT.bold).fontSize(w.type.body).fillColor('black');
  doc.text(f.signature, w.left, y, { width: signatureWidth, lineBreak: false });
  doc.text(f.date, w.left + signatureWidth + gutter, y, { width: dateWidth, lineBreak: false });
  const top = y + w.lineHeight();
  doc.save().lineWidth(1).strokeColor('black');
  doc.rect(w.left, top, signatureWidth, height).stroke();
  doc.rect(w.left + signatureWidth + gutter, top, dateWidth, height).stroke();
  doc.restore();
  doc.x = w.left;
  doc.y = top + height;
  w.gap();
}

/** The form, from a new page on. */
export function drawConsentForm(
  w: Writer,
  letter: LetterCommon,
  form: PaperConsentForm,
  t: LetterStrings,
): void {
  const f = t.consentForm;
  w.newPage();
  w.title(f.title);
  w.paragraph(f.intro);
  w.labelled(f.name, plainLine(letter.patientName, 200) || t.unknown, t.colon);
  w.labelled(f.code, plainLine(form.code, 40), t.colon);
  const address = [letter.sender.service, ...letter.sender.addressLines]
    .map((l) => plainLine(l, 80))
    .filter(Boolean)
    .join(', ');
  w.paragraph(`${f.returnBy(formatDate(form.expires, t, letter.timeZone))} ${f.returnTo(address)}`);

  w.heading(f.sharingHeading);
  w.paragraph(f.sharingHelp);
  grid(
    w,
    [f.agree, f.refuse],
    PAPER_FORM_AGENCY_KINDS.map((k) => f.kinds[k]),
  );

  w.heading(f.sensitiveHeading);
  w.paragraph(f.sensitiveHelp);
  grid(
    w,
    PAPER_FORM_AGENCY_KINDS.map((k) => f.kinds[k]),
    PAPER_FORM_CATEGORY_KEYS.map((c) => f.categories[c]),
  );

  signatureAndDate(w, t);
}
