import type { CodeableConcept, Coding, Consent, ConsentProvision, ConsentProvisionActor } from 'fhir/r4';
import {
  ACT_CODE_SYSTEM,
  ACT_REASON_SYSTEM,
  AGENCY_KIND_SYSTEM,
  type AgencyKind,
  CONFIDENTIALITY_SYSTEM,
  CONSENT_ACTION_SYSTEM,
  type ConsentPolicy,
  type DecisionBasis,
  PARTICIPATION_TYPE_SYSTEM,
  RESOURCE_TYPES_SYSTEM,
} from '@passerelle/consent';

/** A patient-privacy Consent recorded by an agency on the patient's behalf. */
export function privacyConsent(
  patientId: string,
  recordedBy: string,
  provision: ConsentProvision,
  status: Consent['status'] = 'active',
): Consent {
  return {
    resourceType: 'Consent',
    status,
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: '2025-01-15T10:00:00+01:00',
    performer: [{ reference: `Patient/${patientId}` }],
    organization: [{ reference: `Organization/${recordedBy}` }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision,
  };
}

export const actor = (agency: string): NonNullable<ConsentProvision['actor']>[number] => ({
  role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
  reference: { reference: `Organization/${agency}` },
});

export const PSY = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' };

// ---- The consent scenario table ----------------------------------------------------------------
// One table, two readings: libs/consent/src/decide.spec.ts checks each decision on its own, and
// test/e2e/consent-scenarios.e2e-spec.ts writes each case into a running hub (PostgreSQL and
// PGlite) and checks the same decision there and the HTTP answer to the read.

/** The agencies of the table: the GP practice that wrote the data, another GP, two hospitals, two specialists. */
export const SCENARIO_AGENCIES = {
  'gp-durand': 'gp',
  'gp-bernard': 'gp',
  'chu-nantes': 'hospital',
  'chu-rennes': 'hospital',
  'psy-martin': 'specialist',
  'cardio-leroy': 'specialist',
} as const satisfies Record<string, AgencyKind>;
export type ScenarioAgency = keyof typeof SCENARIO_AGENCIES;
/** Writes every scenario's data and records its consents. */
export const DATA_SOURCE: ScenarioAgency = 'gp-durand';
/** Where the patient's linked record lives, in the scenarios that have one. */
export const LINKED_RECORD_AGENCY: ScenarioAgency = 'chu-nantes';

export interface ScenarioConsent {
  provision: ConsentProvision;
  status?: Consent['status'];
  scope?: CodeableConcept;
  /** Whose record it is about: the data's patient (default), their linked record, someone else. */
  about?: 'patient' | 'linked' | 'other';
  /** The FHIR API (and the store's validator) refuse it: the e2e plants it in the store's rows, as data older than the rules could be. */
  apiRefuses?: boolean;
  /**
   * Who records it: the hub, from the patient's paper form (default), or an agency through the
   * FHIR API. A permit that would disclose to its recorder is refused (403) and never stored:
   * the decision is then the one without it.
   */
  recordedBy?: ScenarioAgency;
  /** The API refuses it from `recordedBy` as a self-granted permit. */
  selfGranted?: boolean;
}

export interface ConsentScenario {
  name: string;
  policy: ConsentPolicy;
  asker: { agency: ScenarioAgency; purposeOfUse?: string; breakGlassReason?: string };
  /** What is read: an Observation (default) of the patient, unlabelled and undated unless said. */
  data?: {
    type?: 'Observation' | 'MedicationRequest' | 'Condition' | 'Organization';
    labels?: Coding[];
    date?: string;
  };
  /** The patient also has a record at LINKED_RECORD_AGENCY, linked to the same person. */
  linkedRecord?: boolean;
  /**
   * Whether the asker has a care relationship with the patient (default true: the data source
   * refers the patient to it, an active ServiceRequest naming it as performer).
   */
  careRelationship?: boolean;
  consents?: ScenarioConsent[];
  permit: boolean;
  basis: DecisionBasis;
  breakGlass?: boolean;
}

const RECIPIENT = { coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: 'IRCP' }] };
export const org = (id: string): ConsentProvisionActor => ({
  role: RECIPIENT,
  reference: { reference: `Organization/${id}` },
});
export const agencyKind = (kind: AgencyKind): ConsentProvisionActor => ({
  role: RECIPIENT,
  reference: { identifier: { system: AGENCY_KIND_SYSTEM, value: kind } },
});
export const purpose = (code: string): Coding => ({ system: ACT_REASON_SYSTEM, code });
export const resourceClass = (type: string): Coding => ({ system: RESOURCE_TYPES_SYSTEM, code: type });
export const sensitivity = (code: string): Coding => ({ system: ACT_CODE_SYSTEM, code });
export const confidentiality = (code: string): Coding => ({ system: CONFIDENTIALITY_SYSTEM, code });
const deny = (p: Omit<ConsentProvision, 'type'> = {}): ConsentProvision => ({ type: 'deny', ...p });
const permit = (p: Omit<ConsentProvision, 'type'> = {}): ConsentProvision => ({ type: 'permit', ...p });
const one = (provision: ConsentProvision, over: Omit<ScenarioConsent, 'provision'> = {}) => [
  { provision, ...over },
];

/** The Consent resource of a scenario, about the record `ids` names for it. */
export function scenarioConsent(
  c: ScenarioConsent,
  ids: { patient: string; linked?: string; other?: string },
): Consent {
  const about = c.about === 'linked' ? ids.linked : c.about === 'other' ? ids.other : ids.patient;
  if (!about) throw new Error(`the scenario has no ${c.about} record`);
  return { ...privacyConsent(about, DATA_SOURCE, c.provision, c.status), ...(c.scope && { scope: c.scope }) };
}

/** The scenarios; consent periods are placed around `now` (the data's own dates are fixed). */
export function consentScenarios(now: Date): ConsentScenario[] {
  const y = now.getUTCFullYear();
  const ended = { start: `${y - 3}-01-01`, end: `${y - 1}-12-31` };
  const future = { start: `${y + 1}-01-01` };
  const inForce = { start: `${y - 1}-01-01`, end: `${y + 1}-06-01` };
  const before2020 = { end: '2019-12-31' };
  const since2020 = { start: '2020-01-01' };
  const implied: ConsentPolicy = { model: 'implied', breakGlass: 'forbidden' };
  const explicit: ConsentPolicy = { model: 'explicit', breakGlass: 'forbidden' };
  const impliedBG: ConsentPolicy = { model: 'implied', breakGlass: 'allowed' };
  const explicitBG: ConsentPolicy = { model: 'explicit', breakGlass: 'allowed' };
  const ask = (agency: ScenarioAgency, purposeOfUse?: string, breakGlassReason?: string) => ({
    agency,
    purposeOfUse,
    breakGlassReason,
  });
  const objectsToNantes = one(deny({ actor: [org('chu-nantes')] }));
  const noHospitalButNantes = one(
    deny({ actor: [agencyKind('hospital')], provision: [permit({ actor: [org('chu-nantes')] })] }),
  );
  const gpsForTreatment = (status?: Consent['status']) =>
    one(permit({ actor: [agencyKind('gp')], purpose: [purpose('TREAT')] }), { status });
  const psyToMartin = one(permit({ actor: [org('psy-martin')], securityLabel: [sensitivity('PSY')] }));
  const psy = { labels: [sensitivity('PSY')] };
  const treatmentScope = {
    coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }],
  };
  const correct = { coding: [{ system: CONSENT_ACTION_SYSTEM, code: 'correct' }] };

  // One row per line, as a table reads.
  // prettier-ignore
  return [
    // Before any consent: own data, directory data, purpose of use.
    { name: 'the source agency sees its own data', policy: explicit, asker: ask('gp-durand'), permit: true, basis: 'own-data' },
    { name: 'own data even against a deny-all consent', policy: explicit, asker: ask('gp-durand', 'HRESCH'), consents: one(deny()), permit: true, basis: 'own-data' },
    { name: 'directory data is shared, without a purpose', policy: explicit, asker: ask('chu-nantes'), data: { type: 'Organization' }, permit: true, basis: 'directory' },
    { name: 'no purpose of use: patient data denied', policy: implied, asker: ask('chu-nantes'), permit: false, basis: 'no-purpose' },
    // Base models.
    { name: 'implied: treatment is direct care', policy: implied, asker: ask('chu-nantes', 'TREAT'), permit: true, basis: 'base-implied' },
    { name: 'implied: emergency treatment is direct care', policy: implied, asker: ask('chu-nantes', 'ETREAT', 'A&E admission'), permit: true, basis: 'base-implied' },
    { name: 'implied: research is not direct care', policy: implied, asker: ask('chu-nantes', 'HRESCH'), permit: false, basis: 'base-implied' },
    { name: 'implied: patient-requested is not direct care', policy: implied, asker: ask('gp-bernard', 'PATRQT'), permit: false, basis: 'base-implied' },
    { name: 'implied: payment is not direct care', policy: implied, asker: ask('chu-nantes', 'HPAYMT'), permit: false, basis: 'base-implied' },
    { name: 'explicit: nothing without an opt-in', policy: explicit, asker: ask('chu-nantes', 'TREAT'), permit: false, basis: 'base-explicit' },
    // Objections and opt-ins, by agency and by agency kind.
    { name: 'implied: an objection to one hospital denies it', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
    { name: 'implied: ...and no other hospital', policy: implied, asker: ask('chu-rennes', 'TREAT'), consents: objectsToNantes, permit: true, basis: 'base-implied' },
    { name: 'implied: no hospital (kind) denies CHU Rennes', policy: implied, asker: ask('chu-rennes', 'TREAT'), consents: noHospitalButNantes, permit: false, basis: 'consent-deny' },
    { name: 'implied: the nested exception lets CHU Nantes in', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: noHospitalButNantes, permit: true, basis: 'consent-permit' },
    { name: 'implied: an objection to hospitals leaves GPs alone', policy: implied, asker: ask('gp-bernard', 'TREAT'), consents: noHospitalButNantes, permit: true, basis: 'base-implied' },
    { name: 'explicit: opted in to GPs for treatment', policy: explicit, asker: ask('gp-bernard', 'TREAT'), consents: gpsForTreatment(), permit: true, basis: 'consent-permit' },
    { name: 'explicit: TREAT covers ETREAT', policy: explicit, asker: ask('gp-bernard', 'ETREAT', 'home visit, seizure'), consents: gpsForTreatment(), permit: true, basis: 'consent-permit' },
    { name: 'explicit: the opt-in is for treatment only', policy: explicit, asker: ask('gp-bernard', 'HRESCH'), consents: gpsForTreatment(), permit: false, basis: 'base-explicit' },
    { name: 'explicit: the opt-in is for GPs only', policy: explicit, asker: ask('cardio-leroy', 'TREAT'), consents: gpsForTreatment(), permit: false, basis: 'base-explicit' },
    { name: 'explicit: a nested deny inside an opt-in', policy: explicit, asker: ask('gp-bernard', 'TREAT'), data: { type: 'MedicationRequest' }, consents: one(permit({ actor: [agencyKind('gp')], provision: [deny({ class: [resourceClass('MedicationRequest')] })] })), permit: false, basis: 'consent-deny' },
    // Sensitive data.
    { name: 'implied: mental-health data needs a permit naming it', policy: implied, asker: ask('psy-martin', 'TREAT'), data: psy, permit: false, basis: 'sensitive-needs-permit' },
    { name: 'implied: PSY permitted to one specialist', policy: implied, asker: ask('psy-martin', 'TREAT'), data: psy, consents: psyToMartin, permit: true, basis: 'consent-permit' },
    { name: 'implied: ...not to another specialist', policy: implied, asker: ask('cardio-leroy', 'TREAT'), data: psy, consents: psyToMartin, permit: false, basis: 'sensitive-needs-permit' },
    { name: 'explicit: PSY permitted to one specialist', policy: explicit, asker: ask('psy-martin', 'TREAT'), data: psy, consents: psyToMartin, permit: true, basis: 'consent-permit' },
    { name: 'a permit for the agency that does not name PSY is not enough', policy: implied, asker: ask('psy-martin', 'TREAT'), data: psy, consents: one(permit({ actor: [org('psy-martin')] })), permit: false, basis: 'sensitive-needs-permit' },
    { name: 'a permit naming SPI covers PSYTHPN', policy: implied, asker: ask('psy-martin', 'TREAT'), data: { labels: [sensitivity('PSYTHPN')] }, consents: one(permit({ actor: [org('psy-martin')], securityLabel: [sensitivity('SPI')] })), permit: true, basis: 'consent-permit' },
    { name: 'every sensitive label must be named (PSY + HIV)', policy: implied, asker: ask('psy-martin', 'TREAT'), data: { labels: [sensitivity('PSY'), sensitivity('HIV')] }, consents: psyToMartin, permit: false, basis: 'sensitive-needs-permit' },
    { name: 'implied: restricted (R) data needs a permit', policy: implied, asker: ask('chu-nantes', 'TREAT'), data: { labels: [confidentiality('R')] }, permit: false, basis: 'sensitive-needs-permit' },
    { name: 'a permit naming V covers R', policy: implied, asker: ask('chu-nantes', 'TREAT'), data: { labels: [confidentiality('R')] }, consents: one(permit({ actor: [org('chu-nantes')], securityLabel: [confidentiality('V')] })), permit: true, basis: 'consent-permit' },
    { name: 'a permit naming R does not cover V', policy: implied, asker: ask('chu-nantes', 'TREAT'), data: { labels: [confidentiality('V')] }, consents: one(permit({ actor: [org('chu-nantes')], securityLabel: [confidentiality('R')] })), permit: false, basis: 'sensitive-needs-permit' },
    // Break-glass.
    { name: 'break-glass overrides an objection', policy: impliedBG, asker: ask('chu-nantes', 'ETREAT', 'unconscious, anaphylaxis'), consents: objectsToNantes, permit: true, basis: 'break-glass', breakGlass: true },
    { name: 'break-glass overrides the sensitive rule', policy: impliedBG, asker: ask('chu-nantes', 'ETREAT', 'suicide attempt'), data: psy, permit: true, basis: 'break-glass', breakGlass: true },
    { name: 'break-glass overrides the explicit base', policy: explicitBG, asker: ask('chu-nantes', 'ETREAT', 'cardiac arrest'), permit: true, basis: 'break-glass', breakGlass: true },
    { name: 'break-glass not needed: nothing to tell the patient', policy: impliedBG, asker: ask('chu-nantes', 'ETREAT', 'cardiac arrest'), permit: true, basis: 'base-implied', breakGlass: false },
    { name: 'break-glass forbidden: ETREAT is just a purpose', policy: implied, asker: ask('chu-nantes', 'ETREAT', 'cardiac arrest'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
    { name: 'break-glass needs a reason', policy: impliedBG, asker: ask('chu-nantes', 'ETREAT', '  '), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
    { name: 'break-glass needs ETREAT', policy: impliedBG, asker: ask('chu-nantes', 'TREAT', 'cardiac arrest'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
    // Revocation, status, scope, patient.
    { name: 'a revoked objection (inactive) no longer applies', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')] }), { status: 'inactive' }), permit: true, basis: 'base-implied' },
    { name: 'a revoked opt-in (inactive) no longer applies', policy: explicit, asker: ask('gp-bernard', 'TREAT'), consents: gpsForTreatment('inactive'), permit: false, basis: 'base-explicit' },
    { name: 'a draft consent does not apply', policy: explicit, asker: ask('gp-bernard', 'TREAT'), consents: gpsForTreatment('draft'), permit: false, basis: 'base-explicit' },
    { name: 'a treatment-scope consent is not a privacy consent', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')] }), { scope: treatmentScope, apiRefuses: true }), permit: true, basis: 'base-implied' },
    { name: "another patient's consent does not apply", policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')] }), { about: 'other' }), permit: true, basis: 'base-implied' },
    { name: "a linked record's consent applies", policy: implied, asker: ask('chu-rennes', 'TREAT'), linkedRecord: true, consents: one(deny({ actor: [org('chu-rennes')] }), { about: 'linked' }), permit: false, basis: 'consent-deny' },
    // Consent period (vs now) and data period (vs the data's dates).
    { name: 'an objection that ended last year no longer applies', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')], period: ended })), permit: true, basis: 'base-implied' },
    { name: 'an objection from next year does not apply yet', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')], period: future })), permit: true, basis: 'base-implied' },
    { name: 'an objection in force applies', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')], period: inForce })), permit: false, basis: 'consent-deny' },
    { name: 'a deny of data before 2020 covers 2018 data', policy: implied, asker: ask('chu-nantes', 'TREAT'), data: { date: '2018-03-01' }, consents: one(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: false, basis: 'consent-deny' },
    { name: '...not 2023 data', policy: implied, asker: ask('chu-nantes', 'TREAT'), data: { date: '2023-03-01' }, consents: one(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: true, basis: 'base-implied' },
    { name: '...and covers undated data (when in doubt, deny)', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: false, basis: 'consent-deny' },
    { name: 'explicit: a permit of data since 2020 covers 2023 data', policy: explicit, asker: ask('gp-bernard', 'TREAT'), data: { date: '2023-03-01' }, consents: one(permit({ actor: [agencyKind('gp')], dataPeriod: since2020 })), permit: true, basis: 'consent-permit' },
    { name: '...not undated data (when in doubt, no permit)', policy: explicit, asker: ask('gp-bernard', 'TREAT'), consents: one(permit({ actor: [agencyKind('gp')], dataPeriod: since2020 })), permit: false, basis: 'base-explicit' },
    // Precedence.
    { name: 'equal specificity: deny wins', policy: explicit, asker: ask('chu-nantes', 'TREAT'), consents: [...one(permit({ actor: [org('chu-nantes')] })), ...one(deny({ purpose: [purpose('TREAT')] }))], permit: false, basis: 'consent-deny' },
    { name: 'the more specific permit wins', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: [...one(deny({ actor: [org('chu-nantes')] })), ...one(permit({ actor: [org('chu-nantes')], purpose: [purpose('TREAT')] }))], permit: true, basis: 'consent-permit' },
    { name: 'the more specific deny wins', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: [...one(permit({ actor: [agencyKind('hospital')] })), ...one(deny({ actor: [org('chu-nantes')], class: [resourceClass('Observation')] }))], permit: false, basis: 'consent-deny' },
    { name: 'explicit: a root permit without conditions is the least specific', policy: explicit, asker: ask('chu-nantes', 'TREAT'), consents: one(permit({ provision: [deny({ actor: [org('chu-nantes')] })] })), permit: false, basis: 'consent-deny' },
    { name: '...and lets everyone else in', policy: explicit, asker: ask('chu-rennes', 'TREAT'), consents: one(permit({ provision: [deny({ actor: [org('chu-nantes')] })] })), permit: true, basis: 'consent-permit' },
    { name: 'inherited conditions count: actor + class beats an equal permit', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: [...one(permit({ actor: [org('chu-nantes')], purpose: [purpose('TREAT')] })), ...one({ actor: [agencyKind('hospital')], provision: [deny({ class: [resourceClass('Observation')] })] })], permit: false, basis: 'consent-deny' },
    { name: 'a root without a type decides nothing itself', policy: explicit, asker: ask('chu-nantes', 'TREAT'), data: { type: 'Condition' }, consents: one({ actor: [agencyKind('hospital')], provision: [permit({ class: [resourceClass('Observation')] })] }), permit: false, basis: 'base-explicit' },
    // What the hub cannot evaluate: a deny applies, a permit does not.
    { name: 'a deny for a practitioner (not an agency) applies to all', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [{ ...org('x'), reference: { reference: 'Practitioner/dr-x' } }] }), { apiRefuses: true }), permit: false, basis: 'consent-deny' },
    { name: 'a deny about correcting data is not about disclosure', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')], action: [correct] })), permit: true, basis: 'base-implied' },
    // Care relationships: before consent, under both models.
    { name: 'implied: no care relationship, nothing from other agencies', policy: implied, asker: ask('chu-rennes', 'TREAT'), careRelationship: false, permit: false, basis: 'no-care-relationship' },
    { name: 'explicit: an opt-in does not replace a care relationship', policy: explicit, asker: ask('gp-bernard', 'TREAT'), careRelationship: false, consents: gpsForTreatment(), permit: false, basis: 'no-care-relationship' },
    { name: 'a permit naming the agency does not replace a care relationship', policy: implied, asker: ask('psy-martin', 'TREAT'), data: psy, careRelationship: false, consents: psyToMartin, permit: false, basis: 'no-care-relationship' },
    { name: 'no care relationship is needed for its own data', policy: implied, asker: ask('gp-durand', 'TREAT'), careRelationship: false, permit: true, basis: 'own-data' },
    { name: 'no care relationship is needed for directory data', policy: explicit, asker: ask('chu-rennes', 'TREAT'), data: { type: 'Organization' }, careRelationship: false, permit: true, basis: 'directory' },
    { name: 'break-glass overrides a missing care relationship', policy: impliedBG, asker: ask('chu-rennes', 'ETREAT', 'found unconscious'), careRelationship: false, permit: true, basis: 'break-glass', breakGlass: true },
    { name: 'break-glass forbidden: no care relationship, nothing', policy: implied, asker: ask('chu-rennes', 'ETREAT', 'found unconscious'), careRelationship: false, permit: false, basis: 'no-care-relationship' },
    { name: "a linked record's agency holds the person", policy: implied, asker: ask('chu-nantes', 'TREAT'), careRelationship: false, linkedRecord: true, permit: true, basis: 'base-implied' },
    // Consent authorship: an agency cannot lift an objection by granting itself a permit.
    { name: 'a self-granted permit cannot lift an objection', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: [...objectsToNantes, ...one(permit({ actor: [org('chu-nantes')], class: [resourceClass('Observation')], purpose: [purpose('TREAT')] }), { recordedBy: 'chu-nantes', selfGranted: true })], permit: false, basis: 'consent-deny' },
    { name: 'a self-granted permit by kind is refused too', policy: explicit, asker: ask('gp-bernard', 'TREAT'), consents: one(permit({ actor: [agencyKind('gp')] }), { recordedBy: 'gp-bernard', selfGranted: true }), permit: false, basis: 'base-explicit' },
    { name: 'an agency that holds the person may record an objection', policy: implied, asker: ask('chu-nantes', 'TREAT'), consents: one(deny({ actor: [org('chu-nantes')] }), { recordedBy: 'gp-durand' }), permit: false, basis: 'consent-deny' },
    { name: "another agency records the patient's permit", policy: explicit, asker: ask('chu-nantes', 'TREAT'), consents: one(permit({ actor: [org('chu-nantes')] }), { recordedBy: 'gp-durand' }), permit: true, basis: 'consent-permit' },
  ];
}
