import type { Bundle, Composition, FhirResource } from 'fhir/r4';
import { LOINC_SYSTEM, SOURCE_AGENCY_EXTENSION, SUMMARY_SECTIONS } from '@passerelle/summary';
import { validateAddress, type AddressInput, type ValidAddress } from '../address';
import type {
  AccessReportLetter,
  AppointmentLetter,
  BreakGlassLetter,
  ConsentChangeLetter,
  ConsentFormRecordedLetter,
  LetterCommon,
  LetterSender,
  MedicinesLetter,
  PatientSummaryLetter,
} from '../letter-types';

/** Letters and documents for tests (and the benchmark's shape): synthetic people only. */

export const SENDER: LetterSender = {
  service: 'Passerelle Hauts-de-France',
  addressLines: ['12 rue de la Paix', '59000 Lille'],
  phone: '03 20 00 00 00',
  hours: 'lundi–vendredi, 9 h–17 h',
  email: 'contact@passerelle.example',
};

export const ADDRESS_INPUT: AddressInput = {
  recipient: 'Mme Élodie Lefèvre',
  lines: ['Appartement 12', '8 rue Saint-Éloi'],
  postalCode: '59800',
  city: 'Lille',
};

export function address(input: AddressInput = ADDRESS_INPUT): ValidAddress {
  const check = validateAddress(input);
  if (!check.ok) throw new Error(`fixture address refused: ${check.reason}`);
  return check.address;
}

export function common(overrides: Partial<LetterCommon> = {}): LetterCommon {
  return {
    reference: 'PSL-2025-000123',
    date: new Date('2025-03-14T10:00:00Z'),
    address: address(),
    patientName: 'Élodie Lefèvre',
    sender: SENDER,
    ...overrides,
  };
}

function agency(name: string) {
  return [
    {
      url: SOURCE_AGENCY_EXTENSION,
      valueReference: {
        identifier: { system: 'urn:passerelle:agency', value: name.toLowerCase().replace(/\W+/g, '-') },
        display: name,
      },
    },
  ];
}

/** A summary document with one or two entries in some sections and none in others. */
export function summaryBundle(extra: Partial<Record<string, FhirResource[]>> = {}): Bundle {
  const meta = { lastUpdated: '2025-02-01T09:00:00Z' };
  const resources: Record<string, FhirResource[]> = {
    allergies: [
      {
        resourceType: 'AllergyIntolerance',
        id: 'a1',
        meta,
        extension: agency('CHU de Lille'),
        patient: { reference: 'Patient/p1' },
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: {
          coding: [
            { system: 'http://snomed.info/sct', code: '91936005', display: 'Allergie à la pénicilline' },
          ],
        },
        reaction: [{ manifestation: [{ text: 'Urticaire' }] }],
        recordedDate: '2019-05-02',
      },
    ],
    problems: [
      {
        resourceType: 'Condition',
        id: 'c1',
        meta,
        extension: agency('Cabinet du Dr Martin'),
        subject: { reference: 'Patient/p1' },
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: { text: 'Diabète de type 2' },
        onsetDateTime: '2015-03',
      },
    ],
    medications: [
      {
        resourceType: 'MedicationStatement',
        id: 'm1',
        meta,
        extension: agency('Cabinet du Dr Martin'),
        status: 'active',
        subject: { reference: 'Patient/p1' },
        medicationCodeableConcept: { text: 'Metformine 500 mg' },
        dosage: [{ text: '1 comprimé matin et soir' }],
        effectiveDateTime: '2024-01-10',
      },
    ],
    immunizations: [],
    procedures: [],
    results: [
      {
        resourceType: 'Observation',
        id: 'o1',
        meta,
        extension: agency('Laboratoire Pasteur'),
        status: 'final',
        code: { coding: [{ system: LOINC_SYSTEM, code: '4548-4', display: 'Hémoglobine glyquée' }] },
        subject: { reference: 'Patient/p1' },
        valueQuantity: { value: 6.8, unit: '%' },
        effectiveDateTime: '2025-01-20T08:30:00+01:00',
      },
    ],
    encounters: [],
    ...extra,
  };
  const patient: FhirResource = {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ given: ['Élodie'], family: 'Lefèvre' }],
    birthDate: '1961-07-04',
    identifier: [{ system: 'urn:oid:1.2.250.1.213.1.4.8', value: '2610759123456' }],
  };
  const entries: FhirResource[] = Object.values(resources).flat();
  const composition: Composition = {
    resourceType: 'Composition',
    status: 'final',
    type: { coding: [{ system: LOINC_SYSTEM, code: '60591-5' }] },
    subject: { reference: 'Patient/p1' },
    date: '2025-03-14T10:00:00Z',
    author: [{ display: 'Passerelle' }],
    title: 'Patient summary',
    section: SUMMARY_SECTIONS.map((s) => ({
      title: s.title,
      code: { coding: [{ system: LOINC_SYSTEM, code: s.code }] },
      entry: (resources[s.key] ?? []).map((r) => ({ reference: `${r.resourceType}/${r.id ?? ''}` })),
    })),
  };
  return {
    resourceType: 'Bundle',
    type: 'document',
    timestamp: '2025-03-14T10:00:00Z',
    entry: [
      { fullUrl: 'urn:uuid:composition', resource: composition },
      { fullUrl: 'https://hub.example/fhir/Patient/p1', resource: patient },
      ...entries.map((r) => ({
        fullUrl: `https://hub.example/fhir/${r.resourceType}/${r.id ?? ''}`,
        resource: r,
      })),
    ],
  };
}

export function summaryLetter(overrides: Partial<LetterCommon> = {}): PatientSummaryLetter {
  return { kind: 'patient-summary', summary: summaryBundle(), ...common(overrides) };
}

export function breakGlassLetter(overrides: Partial<LetterCommon> = {}): BreakGlassLetter {
  return {
    kind: 'break-glass',
    access: {
      at: new Date('2025-03-12T13:32:00Z'),
      agency: 'Centre hospitalier de Roubaix',
      practitioner: 'Dr Karim Benali',
      reason: 'Patiente inconsciente aux urgences, recherche d’allergies.',
      seen: [{ dataClass: 'AllergyIntolerance' }, { dataClass: 'MedicationStatement', count: 3 }],
    },
    ...common(overrides),
  };
}

export function accessReportLetter(rows = 6, overrides: Partial<LetterCommon> = {}): AccessReportLetter {
  const accesses = Array.from({ length: rows }, (_, i) => ({
    at: new Date(Date.UTC(2025, 0, 1 + (i % 28), 9 + (i % 8))),
    agency: i % 3 === 0 ? 'CHU de Lille' : 'Cabinet du Dr Martin',
    practitioner: i % 2 === 0 ? 'Dr Anne Roussel' : undefined,
    dataClass: ['Observation', 'Condition', 'MedicationStatement'][i % 3],
    purpose: i === 4 ? 'ETREAT' : 'TREAT',
    breakGlass: i === 4,
  }));
  return {
    kind: 'access-report',
    period: { start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-03-31T00:00:00Z') },
    accesses,
    ...common(overrides),
  };
}

export function consentChangeLetter(overrides: Partial<LetterCommon> = {}): ConsentChangeLetter {
  return {
    kind: 'consent-change',
    change: {
      action: 'updated',
      at: new Date('2025-03-10T15:00:00Z'),
      recordedBy: 'Cabinet du Dr Martin',
      rules: [
        { decision: 'deny', agencies: ['Clinique des Lilas'], dataClasses: ['MH'], purposes: ['TREAT'] },
        {
          decision: 'permit',
          agencyKinds: ['hospital'],
          period: { start: new Date('2025-03-10T00:00:00Z'), end: new Date('2025-12-31T00:00:00Z') },
        },
      ],
    },
    ...common(overrides),
  };
}

/** The paper form a consent letter carries (a made-up code: any 13 symbols print). */
export const FORM = { code: 'K7QM-2XWP-9TRB-4', expires: new Date('2025-06-12T10:00:00Z') };

export function consentChangeWithForm(overrides: Partial<LetterCommon> = {}): ConsentChangeLetter {
  return { ...consentChangeLetter(overrides), form: FORM };
}

export function consentFormRecordedLetter(overrides: Partial<LetterCommon> = {}): ConsentFormRecordedLetter {
  return {
    kind: 'consent-form-recorded',
    recorded: {
      at: new Date('2025-05-20T09:00:00Z'),
      formLetter: 'A1B2-C3D4-E5F6-0718',
      choices: {
        sharing: { hospital: 'deny', gp: 'permit' },
        sensitive: { 'mental-health': ['gp', 'specialist'], hiv: ['gp'] },
      },
    },
    form: FORM,
    ...common(overrides),
  };
}

export function appointmentLetter(
  change: AppointmentLetter['appointment']['change'] = 'booked',
  overrides: Partial<LetterCommon> = {},
): AppointmentLetter {
  return {
    ...common(overrides),
    kind: 'appointment',
    appointment: {
      change,
      start: new Date('2025-04-08T12:30:00Z'),
      end: new Date('2025-04-08T13:00:00Z'),
      ...(change === 'moved' ? { previousStart: new Date('2025-04-01T08:00:00Z') } : {}),
      agency: 'CHU de Lille',
      with: ['Dr Claire Martin'],
      what: 'Consultation de cardiologie',
      place: {
        name: 'Institut Cœur Poumon, 2e étage',
        addressLines: ['Boulevard du Professeur Jules Leclercq', '59000 Lille'],
        directions: 'Métro ligne 1, arrêt CHU – Eurasanté, puis suivre « Institut Cœur Poumon ».',
      },
      bring: 'Votre carte Vitale, vos derniers résultats de prise de sang et la liste de vos médicaments.',
      phone: '03 20 44 59 62',
    },
  };
}

export function medicinesLetter(overrides: Partial<LetterCommon> = {}): MedicinesLetter {
  return {
    ...common(overrides),
    kind: 'medicines',
    medicines: {
      dischargedFrom: 'CHU de Lille',
      items: [
        {
          name: 'Bisoprolol 2,5 mg, comprimé',
          dose: '1 comprimé',
          when: 'le matin',
          prescriber: 'Dr Claire Martin (CHU de Lille)',
          change: 'started',
        },
        {
          name: 'Amlodipine 5 mg, gélule',
          dose: '1 gélule',
          when: 'le soir',
          prescriber: 'Cabinet du Dr Roussel',
          change: 'changed',
        },
        {
          name: 'Paracétamol 1 g',
          dose: '1 comprimé',
          when: 'si douleur, 3 fois par jour au plus',
          prescriber: 'CHU de Lille',
        },
      ],
      stopped: [{ name: 'Ramipril 5 mg', prescriber: 'CHU de Lille' }],
      withheld: true,
      first: false,
    },
  };
}
