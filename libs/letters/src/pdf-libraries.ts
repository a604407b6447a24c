import { createRequire } from 'node:module';
import type { create } from 'fontkit';
import type PDFDocument from 'pdfkit';

/**
 * pdfkit and fontkit, loaded at the first letter rather than with the lib. Every hub imports this
 * lib (addresses, letter kinds, the summary view) and most never render a PDF: loaded, the two
 * packages and theirs (brotli, the font tables' codecs, linebreak) cost a process ~13 MB resident
 * and ~4 MB of V8 heap for nothing (docs/operations.md, what to expect on a small server).
 * Both are CommonJS, loaded synchronously where a document is made.
 */
const load = createRequire(__filename);

let pdfkit: typeof PDFDocument | undefined;
let fontkit: { create: typeof create } | undefined;

/** pdfkit's document class. */
export function pdfDocumentClass(): typeof PDFDocument {
  pdfkit ??= load('pdfkit') as typeof PDFDocument;
  return pdfkit;
}

/** fontkit's `create`: a font from a font file's bytes. */
export function createFont(...args: Parameters<typeof create>): ReturnType<typeof create> {
  fontkit ??= load('fontkit') as { create: typeof create };
  return fontkit.create(...args);
}
