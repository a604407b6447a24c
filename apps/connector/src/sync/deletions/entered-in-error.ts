import type { CodeableConcept, Resource } from 'fhir/r4';

/**
 * Types whose `status` has the R4 code `entered-in-error`: a record withdrawn at its source is
 * kept and marked so. Condition and AllergyIntolerance say it in `verificationStatus`. A type
 * in neither list has no such state and a withdrawn copy of it is deleted.
 */
const STATUS_TYPES = new Set([
  'Appointment',
  'CarePlan',
  'CareTeam',
  'Communication',
  'Composition',
  'Consent',
  'DeviceRequest',
  'DiagnosticReport',
  'DocumentReference',
  'Encounter',
  'EpisodeOfCare',
  'Flag',
  'Immunization',
  'ImagingStudy',
  'MedicationAdministration',
  'MedicationDispense',
  'MedicationRequest',
  'MedicationStatement',
  'NutritionOrder',
  'Observation',
  'Procedure',
  'QuestionnaireResponse',
  'RiskAssessment',
  'ServiceRequest',
  'Specimen',
  'Task',
]);

const VERIFICATION_SYSTEMS: Readonly<Record<string, string>> = {
  Condition: 'http://terminology.hl7.org/CodeSystem/condition-ver-status',
  AllergyIntolerance: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
};

const ENTERED_IN_ERROR = 'entered-in-error';

type WithStatus = Resource & { status?: string; verificationStatus?: CodeableConcept };

/** Whether a resource says it was entered in error (its status, or its verification status). */
export function isEnteredInError(resource: Resource): boolean {
  const r = resource as WithStatus;
  if (STATUS_TYPES.has(r.resourceType)) return r.status === ENTERED_IN_ERROR;
  return r.verificationStatus?.coding?.some((c) => c.code === ENTERED_IN_ERROR) ?? false;
}

/** Whether the type has an entered-in-error state to mark a withdrawn copy with. */
export function canMarkEnteredInError(type: string): boolean {
  return STATUS_TYPES.has(type) || type in VERIFICATION_SYSTEMS;
}

/** A copy of `resource` marked entered-in-error; undefined for a type without such a state. */
export function markedEnteredInError<T extends Resource>(resource: T): T | undefined {
  const type = resource.resourceType;
  if (STATUS_TYPES.has(type)) return { ...resource, status: ENTERED_IN_ERROR };
  const system = VERIFICATION_SYSTEMS[type];
  if (system === undefined) return undefined;
  return {
    ...resource,
    // Condition and AllergyIntolerance: a clinical status is not allowed once entered in error.
    clinicalStatus: undefined,
    verificationStatus: { coding: [{ system, code: ENTERED_IN_ERROR }] },
  };
}
