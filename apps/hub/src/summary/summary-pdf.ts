import type { Bundle } from 'fhir/r4';

/**
 * Renders a summary document as a PDF (the letters lib's `renderSummaryPdf`). Injected so the
 * route can answer 406 for PDF where no renderer is wired, and so the FHIR answer never depends
 * on the PDF code.
 */
export type SummaryPdfRenderer = (
  document: Bundle,
  options: { language: 'fr' | 'en' },
) => Promise<Uint8Array> | Uint8Array;

export const SUMMARY_PDF_RENDERER = Symbol('SUMMARY_PDF_RENDERER');
