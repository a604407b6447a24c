/**
 * Simulated agency FHIR servers for the demo, the end-to-end tests and the benchmarks: a real
 * FHIR R4 implementation (Medplum's FhirRouter and MemoryRepository), one HTTP port per agency,
 * seeded from the synthetic data generator.
 */
export { AGENCY_KINDS, AGENCY_RECORD_TYPES, type AgencyKind, knowsPatient } from './agency-kinds';
export {
  type AgencyServer,
  type AgencyServerOptions,
  type SeedSummary,
  startAgencyServer,
} from './agency-server';
export { type AgencyAuth, authorizationHeader, NO_AUTH } from './auth';
export { FHIR_BASE_PATH } from './fhir-http';
export { DEFAULT_PAGE_SIZE, type PageSize } from './paging';
export { DEFAULT_SEED_PATIENTS, type Sandbox, type SandboxOptions, startSandbox } from './sandbox';
export { SandboxRepository } from './sandbox-repository';
export { type AgencyRecord, agencyRecords, DEFAULT_SEED, type SeedOptions } from './seed';
