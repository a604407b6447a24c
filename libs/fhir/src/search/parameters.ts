import type { SupportedType } from '../resource-types';

/**
 * The search parameters the hub indexes, per type. Paths are simple dotted element paths from
 * the resource root; a path segment ending in `[x]` is a choice type (`effective[x]` covers
 * effectiveDateTime, effectivePeriod, ...). Every value along a path is collected, arrays included.
 *
 * Storage (see libs/store): tokens and references go into text arrays with GIN indexes; each type
 * has at most one date parameter, stored as a [lo, hi) range.
 */
export type SearchParamKind = 'token' | 'reference' | 'date';

export interface SearchParamDef {
  name: string;
  kind: SearchParamKind;
  paths: string[];
  /** reference params: the types a reference may point to; the first is the default for bare ids. */
  targets?: SupportedType[];
}

const token = (name: string, ...paths: string[]): SearchParamDef => ({ name, kind: 'token', paths });
const ref = (name: string, targets: SupportedType[], ...paths: string[]): SearchParamDef => ({
  name,
  kind: 'reference',
  paths,
  targets,
});
const date = (name: string, ...paths: string[]): SearchParamDef => ({ name, kind: 'date', paths });

const identifier = token('identifier', 'identifier');
const status = token('status', 'status');
const subjectPatient = [ref('subject', ['Patient'], 'subject'), ref('patient', ['Patient'], 'subject')];
const encounter = (path = 'encounter') => ref('encounter', ['Encounter'], path);
const actors: SupportedType[] = ['Practitioner', 'PractitionerRole', 'Organization', 'Patient', 'Device'];

export const SEARCH_PARAMS: Readonly<Record<SupportedType, readonly SearchParamDef[]>> = {
  Patient: [
    identifier,
    token('gender', 'gender'),
    date('birthdate', 'birthDate'),
    ref('general-practitioner', ['Practitioner', 'Organization', 'PractitionerRole'], 'generalPractitioner'),
    ref('organization', ['Organization'], 'managingOrganization'),
    ref('link', ['Patient'], 'link.other'),
  ],
  Practitioner: [identifier],
  PractitionerRole: [
    identifier,
    ref('practitioner', ['Practitioner'], 'practitioner'),
    ref('organization', ['Organization'], 'organization'),
    ref('location', ['Location'], 'location'),
    token('role', 'code'),
  ],
  Organization: [identifier, token('type', 'type'), ref('partof', ['Organization'], 'partOf')],
  Location: [identifier, status, ref('organization', ['Organization'], 'managingOrganization')],
  Encounter: [
    identifier,
    status,
    token('class', 'class'),
    token('type', 'type'),
    date('date', 'period'),
    ...subjectPatient,
    ref('participant', actors, 'participant.individual'),
    ref('service-provider', ['Organization'], 'serviceProvider'),
    ref('location', ['Location'], 'location.location'),
  ],
  Condition: [
    identifier,
    token('code', 'code'),
    token('clinical-status', 'clinicalStatus'),
    token('category', 'category'),
    date('recorded-date', 'recordedDate'),
    ...subjectPatient,
    encounter(),
    ref('asserter', actors, 'asserter'),
  ],
  Observation: [
    identifier,
    status,
    token('code', 'code'),
    token('category', 'category'),
    date('date', 'effective[x]'),
    ...subjectPatient,
    encounter(),
    ref('performer', actors, 'performer'),
    ref('based-on', ['ServiceRequest', 'CarePlan', 'MedicationRequest'], 'basedOn'),
    ref('has-member', ['Observation'], 'hasMember'),
  ],
  DiagnosticReport: [
    identifier,
    status,
    token('code', 'code'),
    token('category', 'category'),
    date('date', 'effective[x]'),
    ...subjectPatient,
    encounter(),
    ref('performer', actors, 'performer'),
    ref('result', ['Observation'], 'result'),
    ref('based-on', ['ServiceRequest', 'CarePlan'], 'basedOn'),
  ],
  MedicationRequest: [
    identifier,
    status,
    token('code', 'medicationCodeableConcept'),
    token('intent', 'intent'),
    date('authoredon', 'authoredOn'),
    ...subjectPatient,
    encounter(),
    ref('requester', actors, 'requester'),
  ],
  MedicationStatement: [
    identifier,
    status,
    token('code', 'medicationCodeableConcept'),
    date('effective', 'effective[x]'),
    ...subjectPatient,
    ref('context', ['Encounter'], 'context'),
  ],
  AllergyIntolerance: [
    identifier,
    token('code', 'code'),
    token('clinical-status', 'clinicalStatus'),
    date('date', 'recordedDate'),
    ref('patient', ['Patient'], 'patient'),
    ref('recorder', actors, 'recorder'),
    ref('asserter', actors, 'asserter'),
  ],
  Immunization: [
    identifier,
    status,
    token('vaccine-code', 'vaccineCode'),
    date('date', 'occurrence[x]'),
    ref('patient', ['Patient'], 'patient'),
    ref('performer', actors, 'performer.actor'),
  ],
  Procedure: [
    identifier,
    status,
    token('code', 'code'),
    date('date', 'performed[x]'),
    ...subjectPatient,
    encounter(),
    ref('performer', actors, 'performer.actor'),
  ],
  DocumentReference: [
    identifier,
    token('identifier', 'masterIdentifier'),
    status,
    token('type', 'type'),
    token('category', 'category'),
    date('date', 'date'),
    ...subjectPatient,
    encounter('context.encounter'),
    ref('author', actors, 'author'),
    ref('custodian', ['Organization'], 'custodian'),
    ref('relatesto', ['DocumentReference'], 'relatesTo.target'),
  ],
  Composition: [
    identifier,
    status,
    token('type', 'type'),
    date('date', 'date'),
    ...subjectPatient,
    encounter(),
    ref('author', actors, 'author'),
    ref('entry', [], 'section.entry'),
  ],
  ServiceRequest: [
    identifier,
    status,
    token('code', 'code'),
    token('intent', 'intent'),
    date('authored', 'authoredOn'),
    ...subjectPatient,
    encounter(),
    ref('requester', actors, 'requester'),
    ref('performer', actors, 'performer'),
    ref('based-on', ['ServiceRequest', 'CarePlan'], 'basedOn'),
  ],
  CarePlan: [
    identifier,
    status,
    token('category', 'category'),
    date('date', 'period'),
    ...subjectPatient,
    encounter(),
  ],
  Device: [
    identifier,
    status,
    token('type', 'type'),
    ref('patient', ['Patient'], 'patient'),
    ref('organization', ['Organization'], 'owner'),
  ],
  Consent: [
    identifier,
    status,
    token('scope', 'scope'),
    token('category', 'category'),
    date('date', 'dateTime'),
    ref('patient', ['Patient'], 'patient'),
    ref('organization', ['Organization'], 'organization'),
    ref('consentor', actors, 'performer'),
    ref('actor', actors, 'provision.actor.reference'),
  ],
  Communication: [
    identifier,
    status,
    token('category', 'category'),
    date('sent', 'sent'),
    ...subjectPatient,
    ref('recipient', actors, 'recipient'),
    ref('sender', actors, 'sender'),
  ],
  Provenance: [
    date('recorded', 'recorded'),
    ref('target', [], 'target'),
    ref('patient', ['Patient'], 'target'),
    ref('agent', actors, 'agent.who'),
  ],
  Binary: [],
  AuditEvent: [
    token('type', 'type'),
    token('subtype', 'subtype'),
    token('action', 'action'),
    token('outcome', 'outcome'),
    date('date', 'recorded'),
    ref('agent', actors, 'agent.who'),
    ref('entity', [], 'entity.what'),
    ref('patient', ['Patient'], 'entity.what'),
  ],
};

/** Parameters every type supports, served from columns rather than the index arrays. */
export const COMMON_PARAMS = ['_id', '_lastUpdated'] as const;

/** Result parameters the hub understands (everything else is an unknown parameter). */
export const RESULT_PARAMS = [
  '_count',
  '_sort',
  '_include',
  '_revinclude',
  '_summary',
  '_total',
  '_page',
  '_format',
] as const;

export function findParam(type: SupportedType, name: string): SearchParamDef | undefined {
  return SEARCH_PARAMS[type].find((p) => p.name === name);
}

/** The one date parameter of a type, if any: it owns the date_lo/date_hi columns. */
export function dateParamOf(type: SupportedType): SearchParamDef | undefined {
  return SEARCH_PARAMS[type].find((p) => p.kind === 'date');
}

/** Reference parameters that place a resource in a patient's compartment, by priority. */
export const PATIENT_LINK_PARAMS = ['patient', 'subject'] as const;
