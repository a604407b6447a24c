import type { FhirResource } from 'fhir/r4';
import { clinicalDate, compareEntries, DEFAULT_LIMITS, epochOf, sectionOf } from './membership';
import { localKey } from './references';
import {
  allergy,
  condition,
  encounter,
  immunization,
  lab,
  NOW,
  procedure,
  report,
  request,
  statement,
  vitals,
} from './summary.fixtures';

describe('section membership', () => {
  it.each<[string, FhirResource, string | undefined]>([
    ['an allergy', allergy, 'allergies'],
    [
      'an allergy entered in error',
      { ...allergy, verificationStatus: { coding: [{ code: 'entered-in-error' }] } },
      undefined,
    ],
    ['a Condition without category', condition('c'), 'problems'],
    [
      'a Condition of another system’s category',
      condition('c', { category: [{ coding: [{ system: 'https://x.example', code: 'health-concern' }] }] }),
      'problems',
    ],
    ['an active MedicationStatement', statement('m'), 'medications'],
    ['an on-hold MedicationRequest', request('m', { status: 'on-hold' }), 'medications'],
    [
      'a completed MedicationRequest of last month',
      request('m', { status: 'completed', authoredOn: '2025-05-01' }),
      'medications',
    ],
    [
      'a stopped MedicationStatement without a date',
      statement('m', { status: 'stopped', effectiveDateTime: undefined, meta: undefined }),
      undefined,
    ],
    ['a not-taken MedicationStatement', statement('m', { status: 'not-taken' }), undefined],
    ['an immunization', immunization, 'immunizations'],
    ['an immunization entered in error', { ...immunization, status: 'entered-in-error' }, undefined],
    ['a procedure in progress', procedure('p', 'in-progress'), 'procedures'],
    ['a procedure in preparation', procedure('p', 'preparation'), undefined],
    ['a laboratory Observation', lab('o', '2025-01-01'), 'results'],
    ['a preliminary laboratory Observation', lab('o', '2025-01-01', { status: 'preliminary' }), 'results'],
    ['a vital sign', vitals, undefined],
    ['an Observation without category', { ...lab('o', '2025-01-01'), category: undefined }, undefined],
    ['a DiagnosticReport', report('r', '2025-01-01', []), 'results'],
    ['a cancelled DiagnosticReport', { ...report('r', '2025-01-01', []), status: 'cancelled' }, undefined],
    ['an encounter in progress', encounter('e', '2025-05-30', 'in-progress'), 'encounters'],
    ['a cancelled encounter', encounter('e', '2025-05-30', 'cancelled'), undefined],
    ['a Patient', { resourceType: 'Patient' }, undefined],
  ])('%s → %s', (_name, resource, expected) => {
    expect(sectionOf(resource, NOW, DEFAULT_LIMITS)).toBe(expected);
  });

  it('reads partial dates from their start and falls back to meta.lastUpdated', () => {
    expect(epochOf('2024')).toBe(Date.UTC(2024, 0, 1));
    expect(epochOf('2024-05')).toBe(Date.UTC(2024, 4, 1));
    expect(epochOf('2024-05-03T10:00:00+02:00')).toBe(Date.UTC(2024, 4, 3, 8));
    expect(epochOf(undefined)).toBeNaN();
    expect(epochOf('not a date')).toBeNaN();
    expect(clinicalDate(encounter('e', 'garbage'))).toBe('2025-05-01T08:00:00.000Z');
    expect(clinicalDate(procedure('p', 'completed'))).toBe('2023-11-20T09:30:00+01:00');
  });

  it('orders newest first, undated last, then by type and id', () => {
    const undated = { ...encounter('e-0', ''), period: undefined, meta: undefined };
    const list = [
      undated,
      lab('b', '2025-01-01'),
      report('a', '2025-01-01', []),
      lab('a', '2025-01-01'),
      lab('z', '2025-02'),
    ];
    expect([...list].sort(compareEntries).map((r) => `${r.resourceType}/${r.id}`)).toEqual([
      'Observation/z',
      'DiagnosticReport/a',
      'Observation/a',
      'Observation/b',
      'Encounter/e-0',
    ]);
  });
});

describe('local references', () => {
  it.each([
    ['Observation/1', 'Observation/1'],
    ['Observation/1/_history/3', 'Observation/1'],
    ['https://hub.example/fhir/Observation/1', 'Observation/1'],
    ['https://other.example/fhir/Observation/1', undefined],
    ['#contained', undefined],
    ['urn:uuid:0f4a1f0e-5d1b-4f0e-9d3c-2a1b3c4d5e6f', undefined],
    ['Observation', undefined],
  ])('%s → %s', (reference, expected) => {
    expect(localKey(reference, 'https://hub.example/fhir')).toBe(expected);
  });
});
