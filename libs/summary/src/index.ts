export * from './sections';
export {
  buildSummary,
  sourceAgencyExtension,
  type BuildSummaryInput,
  type SummaryAgency,
  type SummaryRequester,
  type SummarySource,
} from './build-summary';
export {
  assignSections,
  clinicalDate,
  compareEntries,
  DEFAULT_LIMITS,
  SECTION_TYPES,
  sectionOf,
  SUMMARY_RESOURCE_TYPES,
  type SummaryLimits,
  type SummaryResourceType,
} from './membership';
export { conceptText, escapeXhtml, patientName, XHTML_NAMESPACE } from './narrative';
