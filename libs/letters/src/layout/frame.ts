import { FONT } from '../fonts';
import { formatDate } from '../format';
import {
  ADDRESS_BLOCK_MM,
  ADDRESS_FONT_SIZE,
  ADDRESS_MIN_SIZE,
  CONTENT_WIDTH_MM,
  FIRST_PAGE_BODY_TOP_MM,
  FOOTER_GAP_MM,
  LARGE_PRINT_TYPE,
  MARGIN_MM,
  mmToPt,
  rectToPt,
  SENDER_BLOCK_MM,
  SERVICE_NAME_MM,
  STANDARD_TYPE,
  type TypeScale,
} from '../geometry';
import type { LetterCommon } from '../letter-types';
import { plainLine } from '../plain-text';
import type { LetterStrings } from '../strings';
import { breakLines, cachedLines } from './lines';
import type { PageOptions, Writer } from './writer';

/**
 * What is the same on every letter: the first page's head (service name, address in the envelope
 * window, sender column with date and reference) and the footer on every page (how to contact
 * the service, how to object to sharing, how to ask for large print, "page x of y").
 */

export function typeScale(largePrint: boolean | undefined): TypeScale {
  return largePrint ? LARGE_PRINT_TYPE : STANDARD_TYPE;
}

export interface Footer {
  /** Broken into lines once per sender, language and variant. */
  lines: readonly string[];
  /** "Référence : X · Page 1 sur 2" without the page: the page is added per page. */
  reference: string;
  height: number;
  size: number;
  lineHeight: number;
}

const RULE_SPACE = 4;

/** The footer's lines and height; the body's bottom margin is made to leave room for it. */
export function measureFooter(
  doc: PDFKit.PDFDocument,
  letter: LetterCommon,
  t: LetterStrings,
  type: TypeScale,
): Footer {
  const sender = letter.sender;
  const paragraphs = [
    t.footer.contact({
      phone: plainLine(sender.phone, 40) || undefined,
      hours: plainLine(sender.hours, 80) || undefined,
      email: plainLine(sender.email, 80) || undefined,
      address: [sender.service, ...sender.addressLines].map((l) => plainLine(l, 80)).join(', '),
    }),
    t.footer.object,
    t.footer.largePrint(type === LARGE_PRINT_TYPE),
  ];
  const width = mmToPt(CONTENT_WIDTH_MM);
  doc.font(FONT.regular).fontSize(type.footer);
  const lines = paragraphs.flatMap((p) => cachedLines(doc, FONT.regular, type.footer, p, width));
  const lineHeight = doc.currentLineHeight(true) + 1;
  return {
    lines,
    reference: `${t.reference}${t.colon}${plainLine(letter.reference, 40)}`,
    height: RULE_SPACE + (lines.length + 1) * lineHeight,
    size: type.footer,
    lineHeight,
  };
}

export function pageOptions(footer: Footer): PageOptions {
  return {
    size: 'A4',
    margins: {
      top: mmToPt(MARGIN_MM.top),
      bottom: mmToPt(MARGIN_MM.bottom + FOOTER_GAP_MM) + footer.height,
      left: mmToPt(MARGIN_MM.left),
      right: mmToPt(MARGIN_MM.right),
    },
  };
}

/**
 * Draws the footer of the current page, line by line without wrapping (the lines are already
 * broken), so nothing can spill into a new page; the last line is the reference and "page x of y".
 */
export function drawFooter(doc: PDFKit.PDFDocument, footer: Footer, page: string): void {
  const left = mmToPt(MARGIN_MM.left);
  const width = mmToPt(CONTENT_WIDTH_MM);
  let y = doc.page.height - mmToPt(MARGIN_MM.bottom) - footer.height;
  doc
    .save()
    .lineWidth(0.5)
    .strokeColor('#555555')
    .moveTo(left, y)
    .lineTo(left + width, y)
    .stroke()
    .restore();
  y += RULE_SPACE;
  doc.font(FONT.regular).fontSize(footer.size).fillColor('black');
  for (const line of footer.lines) {
    doc.text(line, left, y, { lineBreak: false });
    y += footer.lineHeight;
  }
  const last = `${footer.reference} · ${page}`;
  doc.font(FONT.bold);
  doc.text(last, left + Math.max(0, width - doc.widthOfString(last)), y, { lineBreak: false });
}

/**
 * The first page's head. The address goes in the window at 10 pt whatever the variant (it is read
 * by the post, and 6 lines must fit 26.8 mm); a line too wide for the window is set smaller.
 * Returns where the body starts.
 */
export function drawFirstPage(w: Writer, letter: LetterCommon, t: LetterStrings): number {
  const doc = w.doc;
  const type = w.type;
  const sender = letter.sender;

  // The service's name: at most 2 lines, above the window.
  const nameWidth = mmToPt(SERVICE_NAME_MM.width);
  doc.font(FONT.bold).fontSize(type.heading).fillColor('black');
  const nameStep = doc.currentLineHeight(true);
  let y = mmToPt(SERVICE_NAME_MM.y);
  for (const line of cachedLines(
    doc,
    FONT.bold,
    type.heading,
    plainLine(sender.service, 80),
    nameWidth,
  ).slice(0, 2)) {
    doc.text(line, mmToPt(SERVICE_NAME_MM.x), y, { lineBreak: false });
    y += nameStep;
  }

  const window = rectToPt(ADDRESS_BLOCK_MM);
  const lines = letter.address.lines.map((l) => plainLine(l, 60));
  doc.font(FONT.regular).fontSize(ADDRESS_FONT_SIZE);
  const step = Math.min(doc.currentLineHeight(true), (window.height - 2) / Math.max(lines.length, 1));
  y = window.y + 1;
  for (const line of lines) {
    doc.fontSize(ADDRESS_FONT_SIZE);
    const natural = doc.widthOfString(line);
    const size =
      natural > window.width
        ? Math.max(ADDRESS_MIN_SIZE, (ADDRESS_FONT_SIZE * window.width) / natural)
        : ADDRESS_FONT_SIZE;
    doc.fontSize(size).text(line, window.x, y, { lineBreak: false });
    y += step;
  }

  // The column right of the window. At 16 pt it is too narrow for an address: large print
  // shows only the date and reference there (the footer has the service's contact details).
  const x = mmToPt(SENDER_BLOCK_MM.x);
  const width = mmToPt(SENDER_BLOCK_MM.width);
  y = mmToPt(SENDER_BLOCK_MM.y);
  const column = (font: string, text: string, cache: boolean): void => {
    doc.font(font).fontSize(type.small);
    const step = doc.currentLineHeight(true) + 1;
    const broken = cache ? cachedLines(doc, font, type.small, text, width) : breakLines(doc, text, width);
    for (const line of broken) {
      doc.text(line, x, y, { lineBreak: false });
      y += step;
    }
  };
  if (!letter.largePrint) {
    column(FONT.bold, plainLine(sender.service, 80), true);
    for (const line of sender.addressLines) column(FONT.regular, plainLine(line, 80), true);
    if (sender.phone) column(FONT.regular, `${t.phone}${t.colon}${plainLine(sender.phone, 40)}`, true);
    if (sender.email) column(FONT.regular, `${t.email}${t.colon}${plainLine(sender.email, 80)}`, true);
    y += type.small / 2;
  }
  column(FONT.regular, `${t.date}${t.colon}${formatDate(letter.date, t, letter.timeZone)}`, false);
  column(FONT.regular, `${t.reference}${t.colon}${plainLine(letter.reference, 40)}`, false);

  return Math.max(mmToPt(FIRST_PAGE_BODY_TOP_MM), y + mmToPt(8));
}
