import type {
  AllergyIntolerance,
  Condition,
  DiagnosticReport,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Patient,
  Procedure,
  Resource,
} from 'fhir/r4';
import type { SummarySource } from './build-summary';

/** Test data for the summary specs: one person known to a GP (gp-p) and a hospital (hosp-p). */

export const NOW = new Date('2025-06-01T12:00:00.000Z');
export const BASE = 'https://hub.example/fhir';

const meta = (lastUpdated = '2025-05-01T08:00:00.000Z') => ({ versionId: '1', lastUpdated });

export const gpPatient: Patient = {
  resourceType: 'Patient',
  id: 'gp-p',
  meta: meta(),
  name: [{ family: 'Le Gall-Ménard', given: ['Maëlle'] }],
  birthDate: '1975-03-14',
  generalPractitioner: [{ reference: 'Practitioner/dr-1', display: 'Dr Martin' }],
};

export const subject = (id = 'gp-p') => ({ reference: `Patient/${id}` });

export const allergy: AllergyIntolerance = {
  resourceType: 'AllergyIntolerance',
  id: 'al-1',
  meta: meta('2025-02-01T00:00:00.000Z'),
  clinicalStatus: { coding: [{ code: 'active' }], text: 'active' },
  code: { text: 'Penicillin' },
  criticality: 'high',
  patient: subject('hosp-p'),
  recordedDate: '2020-04-01',
};

export const condition = (id: string, extra: Partial<Condition> = {}): Condition => ({
  resourceType: 'Condition',
  id,
  meta: meta(),
  subject: subject(),
  code: { text: `Condition ${id}` },
  recordedDate: '2024-01-10',
  ...extra,
});

export const statement = (id: string, extra: Partial<MedicationStatement> = {}): MedicationStatement => ({
  resourceType: 'MedicationStatement',
  id,
  meta: meta(),
  status: 'active',
  medicationCodeableConcept: { text: `Medication ${id}` },
  subject: subject(),
  effectiveDateTime: '2025-04-01',
  ...extra,
});

export const request = (id: string, extra: Partial<MedicationRequest> = {}): MedicationRequest => ({
  resourceType: 'MedicationRequest',
  id,
  meta: meta(),
  status: 'active',
  intent: 'order',
  medicationCodeableConcept: { text: `Prescription ${id}` },
  subject: subject(),
  authoredOn: '2025-03-01',
  ...extra,
});

export const immunization: Immunization = {
  resourceType: 'Immunization',
  id: 'im-1',
  meta: meta(),
  status: 'completed',
  vaccineCode: { text: 'Tetanus' },
  patient: subject(),
  occurrenceDateTime: '2019-09-09',
};

export const procedure = (id: string, status: Procedure['status']): Procedure => ({
  resourceType: 'Procedure',
  id,
  meta: meta(),
  status,
  code: { text: `Procedure ${id}` },
  subject: subject('hosp-p'),
  performedDateTime: '2023-11-20T09:30:00+01:00',
});

const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};
const VITALS = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }],
};

export const lab = (id: string, date: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  id,
  meta: meta(),
  status: 'final',
  category: [LAB],
  code: { text: `Lab ${id}` },
  subject: subject('hosp-p'),
  effectiveDateTime: date,
  valueQuantity: { value: 5.4, unit: 'mmol/L' },
  ...extra,
});

export const vitals: Observation = { ...lab('vs-1', '2025-05-05'), category: [VITALS] };

export const report = (id: string, date: string, results: string[]): DiagnosticReport => ({
  resourceType: 'DiagnosticReport',
  id,
  meta: meta(),
  status: 'final',
  code: { text: `Report ${id}` },
  subject: subject('hosp-p'),
  effectiveDateTime: date,
  result: results.map((r) => ({ reference: `Observation/${r}` })),
});

export const encounter = (
  id: string,
  start: string,
  status: Encounter['status'] = 'finished',
): Encounter => ({
  resourceType: 'Encounter',
  id,
  meta: meta(),
  status,
  class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB', display: 'ambulatory' },
  subject: subject(),
  period: { start },
});

export const from = (agency: string | null, ...resources: Resource[]): SummarySource[] =>
  resources.map((resource) => ({ resource, agency }));

export const AGENCIES = [
  { id: 'chu', name: 'CHU de Nantes' },
  { id: 'cabinet', name: 'Cabinet Dr Martin' },
];
