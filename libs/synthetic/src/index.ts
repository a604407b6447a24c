/**
 * Deterministic synthetic FHIR R4 records for tests, benchmarks and the demo. Everything is
 * generated here from hand-written lists: no dataset, no network, no clock, no Math.random().
 * This file is the only entry point.
 */
export { agencyCountry, defaultAgencies } from './agencies';
export {
  conditionalReferenceFor,
  identifierCriteria,
  toTransactionBundle,
  type TransactionMode,
  type TransactionOptions,
} from './bundle';
export {
  allocateCounts,
  type ClinicalCounts,
  DEFAULT_RESOURCES_PER_PATIENT,
  generatePatient,
  generatePatients,
  type GeneratePatientsOptions,
  mixedCountry,
} from './generator';
export {
  birthPlace,
  FINESS_SYSTEM,
  GMC_SYSTEM,
  INS_NIR_SYSTEM,
  isValidInsNir,
  isValidNhsNumber,
  localSystem,
  type LocalKind,
  NHS_NUMBER_SYSTEM,
  nhsCheckDigit,
  nirKey,
  ODS_SYSTEM,
  qualifiedInsIdentity,
  RPPS_SYSTEM,
  verifiedNhsNumber,
} from './identifiers';
export { createRandom, Random } from './random';
export { ACT_CODE, ATC, CONFIDENTIALITY, LOINC, SNOMED, UCUM } from './terminology';
export { REFERENCE_DATE } from './time';
export type {
  AgencyIdentity,
  Country,
  DefaultAgencies,
  GeneratePatientOptions,
  SensitiveTheme,
  SyntheticEntry,
  SyntheticPatient,
} from './types';
export { withDocumentBinaries } from './document-binaries';
