import type { Coding, Consent, ConsentProvision, ConsentProvisionActor } from 'fhir/r4';
import type { SupportedType } from '@passerelle/fhir';
import type {
  AgencyKind,
  ConsentModel,
  ConsentPolicy,
  DisclosureContext,
  PatientConsents,
  ResourceFacts,
} from './types';
import {
  ACT_CODE_SYSTEM,
  ACT_REASON_SYSTEM,
  AGENCY_KIND_SYSTEM,
  CONFIDENTIALITY_SYSTEM,
  CONSENT_SCOPE_SYSTEM,
  PARTICIPATION_TYPE_SYSTEM,
  PATIENT_PRIVACY,
  RESOURCE_TYPES_SYSTEM,
} from './vocabulary';

/** Builders for consent specs: short enough that a scenario reads as one line. Not exported. */

export const NOW = new Date('2025-06-01T12:00:00Z');
export const PATIENT = 'pat-1';

/** The agencies of the specs: the GP practice that wrote the data, two hospitals, two specialists. */
export const AGENCIES: Record<string, AgencyKind> = {
  'gp-durand': 'gp',
  'gp-bernard': 'gp',
  'chu-nantes': 'hospital',
  'chu-rennes': 'hospital',
  'psy-martin': 'specialist',
  'cardio-leroy': 'specialist',
};

export const asker = (
  agency: string,
  purposeOfUse?: string,
  breakGlassReason?: string,
): DisclosureContext => ({
  agency,
  agencyKind: AGENCIES[agency] ?? 'hospital',
  ...(purposeOfUse === undefined ? {} : { purposeOfUse }),
  ...(breakGlassReason === undefined ? {} : { breakGlassReason }),
});

export const facts = (over: Partial<ResourceFacts> = {}): ResourceFacts => ({
  type: 'Observation',
  id: 'obs-1',
  sourceAgency: 'gp-durand',
  patientId: PATIENT,
  securityLabels: [],
  ...over,
});

export const policy = (
  model: ConsentModel,
  breakGlass: ConsentPolicy['breakGlass'] = 'forbidden',
): ConsentPolicy => ({
  model,
  breakGlass,
});

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
export const resourceClass = (type: SupportedType): Coding => ({ system: RESOURCE_TYPES_SYSTEM, code: type });
export const sensitivity = (code: string): Coding => ({ system: ACT_CODE_SYSTEM, code });
export const confidentiality = (code: string): Coding => ({ system: CONFIDENTIALITY_SYSTEM, code });

/** [lo, hi) epoch ms of a FHIR date's whole extent, for ResourceFacts.dataPeriod. */
export const during = (from: string, to: string) => ({ lo: Date.parse(from), hi: Date.parse(to) });

let serial = 0;
export function privacyConsent(provision: ConsentProvision, over: Partial<Consent> = {}): Consent {
  return {
    resourceType: 'Consent',
    id: `consent-${++serial}`,
    status: 'active',
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: PATIENT_PRIVACY }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${PATIENT}` },
    performer: [{ reference: `Patient/${PATIENT}` }],
    dateTime: '2025-01-15',
    provision,
    ...over,
  };
}

/** The patient's consents; every agency of the specs is in the patient's care unless `careAgencies` says. */
export const only = (...consents: Consent[]): PatientConsents => ({
  patientIds: [PATIENT],
  consents,
  careAgencies: Object.keys(AGENCIES),
});
