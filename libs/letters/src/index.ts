/**
 * Letters to patients on paper: address validation, the kinds of letter rendered as
 * A4 PDF for windowed envelopes (French or English, standard or large print), print runs (one
 * merged PDF + CSV manifest), and the clinician-facing summary PDF. Pure: no database, no Nest,
 * no network; callers pass data in and get bytes or streams out.
 */
export {
  addressInputFrom,
  MAX_ADDRESS_LINES,
  MAX_LINE_LENGTH,
  recipientName,
  validateAddress,
  type AddressCheck,
  type AddressInput,
  type AddressProblem,
  type ValidAddress,
} from './address';
export * from './geometry';
export * from './letter-types';
export { manifestHeader, manifestLine } from './manifest';
export { plainLine, plainParagraph } from './plain-text';
export { renderLetter, type RenderedLetter } from './render-letter';
export { renderSummaryPdf, type SummaryPdfOptions } from './clinician-summary';
export { readSummary, type SummaryItem, type SummarySection, type SummaryView } from './summary-view';
export { type FormCodeCheck, newFormCode, readFormCode } from './form-code';
export {
  writePrintRun,
  type HeldLetter,
  type PostageClass,
  type PrintRunEntry,
  type PrintRunOutput,
  type PrintRunResult,
} from './print-run';
export { DEFAULT_LANGUAGE, LANGUAGES, type AgencyKind, type ConsentAction, type Language } from './strings';
