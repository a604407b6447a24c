import type { FhirResource } from 'fhir/r4';

/** The resource types the hub stores and serves. AuditEvent is read/search only: the server writes it. */
export const SUPPORTED_TYPES = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Encounter',
  'Condition',
  'Observation',
  'DiagnosticReport',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Immunization',
  'Procedure',
  'DocumentReference',
  'Composition',
  'ServiceRequest',
  'Appointment',
  'CarePlan',
  'Device',
  'Consent',
  'Communication',
  'Provenance',
  'Binary',
  'AuditEvent',
] as const satisfies readonly FhirResource['resourceType'][];

export type SupportedType = (typeof SUPPORTED_TYPES)[number];

/** Types clients may not create, update or delete. */
export const READ_ONLY_TYPES: ReadonlySet<SupportedType> = new Set<SupportedType>(['AuditEvent']);

const supported: ReadonlySet<string> = new Set(SUPPORTED_TYPES);

export function isSupportedType(value: string): value is SupportedType {
  return supported.has(value);
}

/** FHIR R4 id: 1 to 64 of [A-Za-z0-9-.]. */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}
