import { FONT } from '../fonts';
import { CONTENT_WIDTH_MM, MARGIN_MM, mmToPt, type TypeScale } from '../geometry';

/**
 * The building blocks every document is made of (title, heading, paragraph, list, labelled value,
 * table row), on top of one pdfkit document. Text always goes through `doc.text()` as a plain
 * string: never a `link`, `goTo` or `destination` option, so a PDF made here has no annotations.
 * Page breaks are pdfkit's (a paragraph flows onto the next page); the blocks only avoid leaving a
 * heading, a bullet or a table row's first line alone at the bottom of a page.
 */
export interface PageOptions {
  size: 'A4';
  margins: { top: number; bottom: number; left: number; right: number };
}

export interface Cell {
  text: string;
  width: number;
  bold?: boolean;
}

export class Writer {
  readonly left = mmToPt(MARGIN_MM.left);
  readonly width = mmToPt(CONTENT_WIDTH_MM);

  constructor(
    readonly doc: PDFKit.PDFDocument,
    readonly type: TypeScale,
    readonly page: PageOptions,
  ) {}

  /** Lowest y the body may write to on this page. */
  get bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom;
  }

  newPage(): void {
    this.doc.addPage(this.page);
  }

  /** Starts a new page unless `height` points still fit on this one. */
  keep(height: number): void {
    if (this.doc.y + height > this.bottom) this.newPage();
  }

  gap(points = this.type.paragraphGap): void {
    this.doc.y += points;
  }

  private set(weight: 'regular' | 'bold', size: number): void {
    this.doc.font(FONT[weight]).fontSize(size);
  }

  lineHeight(size = this.type.body): number {
    this.set('regular', size);
    return this.doc.currentLineHeight(true) + this.type.lineGap;
  }

  title(text: string): void {
    this.set('bold', this.type.title);
    this.keep(this.lineHeight(this.type.title) * 2);
    this.set('bold', this.type.title);
    this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: this.type.lineGap });
    this.gap();
  }

  /** A heading stays with at least two lines of what follows it. */
  heading(text: string): void {
    this.keep(this.lineHeight(this.type.heading) + this.lineHeight() * 2);
    this.set('bold', this.type.heading);
    this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: this.type.lineGap });
    this.gap(this.type.paragraphGap / 2);
  }

  paragraph(text: string, options: { bold?: boolean; size?: number; gap?: number } = {}): void {
    const size = options.size ?? this.type.body;
    this.keep(this.lineHeight(size));
    this.set(options.bold ? 'bold' : 'regular', size);
    this.doc.text(text, this.left, this.doc.y, { width: this.width, lineGap: this.type.lineGap });
    this.gap(options.gap);
  }

  /** "Label : value", the label in bold, both wrapping as one paragraph. */
  labelled(label: string, value: string, separator: string): void {
    this.keep(this.lineHeight());
    const options = { width: this.width, lineGap: this.type.lineGap };
    this.set('bold', this.type.body);
    this.doc.text(`${label}${separator}`, this.left, this.doc.y, { ...options, continued: true });
    this.set('regular', this.type.body);
    this.doc.text(value, options);
    this.gap(this.type.paragraphGap / 2);
  }

  bullets(items: readonly string[]): void {
    const indent = this.type.body * 1.2;
    for (const item of items) {
      this.keep(this.lineHeight());
      const y = this.doc.y;
      this.set('regular', this.type.body);
      this.doc.text('•', this.left, y, { width: indent, lineBreak: false });
      this.doc.text(item, this.left + indent, y, { width: this.width - indent, lineGap: this.type.lineGap });
      this.gap(this.type.paragraphGap / 2);
    }
    this.gap(this.type.paragraphGap / 2);
  }

  /** Height of a row of cells (the tallest cell), to keep a row on one page. */
  rowHeight(cells: readonly Cell[], padding: number): number {
    let height = 0;
    for (const cell of cells) {
      this.set(cell.bold ? 'bold' : 'regular', this.type.body);
      const options = { width: cell.width - padding, lineGap: this.type.lineGap };
      height = Math.max(height, this.doc.heightOfString(cell.text || ' ', options));
    }
    return height;
  }

  /**
   * One table row; a row taller than what is left of the page moves to the next one, where
   * `onNewPage` can repeat the header. Callers cap cell texts so that a row is never taller than a page.
   */
  row(cells: readonly Cell[], padding: number, onNewPage?: () => void): void {
    const height = this.rowHeight(cells, padding);
    if (this.doc.y + height > this.bottom) {
      this.newPage();
      onNewPage?.();
    }
    const y = this.doc.y;
    let x = this.left;
    let end = y;
    for (const cell of cells) {
      this.set(cell.bold ? 'bold' : 'regular', this.type.body);
      this.doc.text(cell.text, x, y, { width: cell.width - padding, lineGap: this.type.lineGap });
      end = Math.max(end, this.doc.y);
      x += cell.width;
    }
    this.doc.x = this.left;
    this.doc.y = end;
    this.gap(this.type.paragraphGap / 2);
  }

  /** A thin horizontal rule across the text column. */
  rule(): void {
    this.doc
      .save()
      .lineWidth(0.5)
      .strokeColor('#555555')
      .moveTo(this.left, this.doc.y)
      .lineTo(this.left + this.width, this.doc.y)
      .stroke()
      .restore();
    this.gap(this.type.paragraphGap / 2);
  }
}
