/**
 * Where things go on the paper, in millimetres, measured from the top-left corner of an A4 sheet
 * (PDF points only at the edge, through `mmToPt`). The reference is GOV.UK Notify's published letter
 * specification, which print suppliers and C5/DL windowed envelopes are built around:
 *
 * - A4 portrait, 210 × 297 mm; at most 10 pages (5 sheets printed on both sides);
 * - the recipient's address inside a block 24.6 mm from the left edge and 39.5 mm from the top,
 *   95.4 mm wide and 26.8 mm tall: the part of the page the envelope window shows. Nothing else is
 *   printed there;
 * - left and right margins of 15 mm.
 *
 * The rest (where the sender block, the body and the footer sit) is this service's choice, kept
 * clear of the address block.
 */

/** 1 inch = 25.4 mm = 72 pt. */
export const PT_PER_MM = 72 / 25.4;

export function mmToPt(mm: number): number {
  return mm * PT_PER_MM;
}

export function ptToMm(pt: number): number {
  return pt / PT_PER_MM;
}

export interface RectMm {
  /** From the left edge of the page. */
  x: number;
  /** From the top edge of the page. */
  y: number;
  width: number;
  height: number;
}

export const A4_MM = { width: 210, height: 297 } as const;
/** A4 in points, as PDF readers report it: 595.28 × 841.89. */
export const A4_PT = { width: mmToPt(A4_MM.width), height: mmToPt(A4_MM.height) } as const;

export const MAX_PAGES = 10;

/** The envelope window (Notify: 24.6 mm from the left, 39.5 mm from the top, 95.4 × 26.8 mm). */
export const ADDRESS_BLOCK_MM: RectMm = { x: 24.6, y: 39.5, width: 95.4, height: 26.8 };

export const MARGIN_MM = {
  left: 15,
  right: 15,
  /** Top of the body on the pages after the first (the first page starts below the address block). */
  top: 20,
  /** Below the footer. */
  bottom: 10,
} as const;

/** Width of the text column: 180 mm. */
export const CONTENT_WIDTH_MM = A4_MM.width - MARGIN_MM.left - MARGIN_MM.right;

/** The service's name, top left on the first page, above the address block. */
export const SERVICE_NAME_MM = { x: MARGIN_MM.left, y: 15, width: 100 } as const;

/**
 * The sender's contact details, the date and the reference: a column right of the address block
 * (5 mm of clear space after the window), down from the window's top edge.
 */
export const SENDER_BLOCK_MM = {
  x: ADDRESS_BLOCK_MM.x + ADDRESS_BLOCK_MM.width + 5,
  y: ADDRESS_BLOCK_MM.y,
  width: A4_MM.width - MARGIN_MM.right - (ADDRESS_BLOCK_MM.x + ADDRESS_BLOCK_MM.width + 5),
} as const;

/** The body of the first page starts at least this far down (below the window, with room to fold). */
export const FIRST_PAGE_BODY_TOP_MM = 95;

/** Space between the bottom of the body and the top of the footer. */
export const FOOTER_GAP_MM = 5;

/** Type sizes in points. Large print follows the RNIB's clear print guidance: nothing below 16 pt. */
export interface TypeScale {
  body: number;
  title: number;
  heading: number;
  footer: number;
  /** The sender block, date and reference on the first page. */
  small: number;
  /** Space between lines of the same paragraph. */
  lineGap: number;
  /** Space after a paragraph, in points. */
  paragraphGap: number;
}

export const STANDARD_TYPE: TypeScale = {
  body: 11,
  title: 15,
  heading: 12.5,
  footer: 8.5,
  small: 9.5,
  lineGap: 2,
  paragraphGap: 7,
};

export const LARGE_PRINT_TYPE: TypeScale = {
  body: 16,
  title: 20,
  heading: 18,
  footer: 16,
  small: 16,
  lineGap: 3,
  paragraphGap: 10,
};

/**
 * The address is for the postal service's readers, not the patient: 10 pt in every variant, so
 * 6 lines fit in the 26.8 mm of the window. A line too wide for the window at that size is set
 * smaller, down to ADDRESS_MIN_SIZE (38 capitals of the widest glyphs need about 9 pt).
 */
export const ADDRESS_FONT_SIZE = 10;
export const ADDRESS_MIN_SIZE = 7;

/** A rectangle in PDF points, origin at the top-left as pdfkit draws. */
export function rectToPt(rect: RectMm): { x: number; y: number; width: number; height: number } {
  return { x: mmToPt(rect.x), y: mmToPt(rect.y), width: mmToPt(rect.width), height: mmToPt(rect.height) };
}
