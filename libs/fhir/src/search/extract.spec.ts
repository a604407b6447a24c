import type { Observation, Patient } from 'fhir/r4';
import { extractSearchValues, normalizeReference, tokenKey, valuesAt } from './extract';

describe('extractSearchValues', () => {
  const observation: Observation = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
    subject: { reference: 'https://hub.example/fhir/Patient/p1' },
    encounter: { reference: 'Encounter/e1/_history/3' },
    effectivePeriod: { start: '2024-01-01', end: '2024-01-02T10:00:00Z' },
    identifier: [{ system: 'sys|with|bars', value: 'v' }],
  };

  it('indexes tokens under every way they can be searched', () => {
    const { tokens } = extractSearchValues('Observation', observation, ['https://hub.example/fhir']);
    expect(tokens).toEqual(
      expect.arrayContaining([
        'code|http://loinc.org|8867-4',
        'code|*|8867-4',
        'code|http://loinc.org|*',
        'status|*|final',
        'status||final',
        'identifier|sys\\|with\\|bars|v',
      ]),
    );
  });

  it('indexes references by Type/id and bare id, local absolute URLs and versions folded', () => {
    const { refs, patientId } = extractSearchValues('Observation', observation, ['https://hub.example/fhir']);
    expect(refs).toEqual(
      expect.arrayContaining([
        'subject|Patient/p1',
        'patient|Patient/p1',
        'subject|p1',
        'encounter|Encounter/e1',
      ]),
    );
    expect(patientId).toBe('p1');
  });

  it('takes the union of choice-type dates, open ends included', () => {
    const { date } = extractSearchValues('Observation', observation);
    expect(new Date(date!.lo).toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(new Date(date!.hi).toISOString()).toBe('2024-01-02T10:00:01.000Z');
    const openEnded: Observation = { ...observation, effectivePeriod: { start: '2024-01-01' } };
    const open = extractSearchValues('Observation', openEnded);
    expect(open.date!.hi).toBe(Infinity);
  });

  it('puts a Patient in its own compartment and ignores foreign or contained references', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      id: 'p9',
      generalPractitioner: [{ reference: '#gp' }],
    };
    const values = extractSearchValues('Patient', patient);
    expect(values.patientId).toBe('p9');
    expect(values.refs).toEqual([]);
    expect(
      normalizeReference('http://elsewhere.example/fhir/Patient/1', ['https://hub.example/fhir']),
    ).toBeUndefined();
  });

  it('keeps system-less codes apart from any-system codes', () => {
    expect(tokenKey('status', null, 'final')).toBe('status||final');
    expect(tokenKey('status', undefined, 'final')).toBe('status|*|final');
  });

  it('walks arrays along a path', () => {
    expect(valuesAt({ a: [{ b: 1 }, { b: [2, 3] }] }, 'a.b')).toEqual([1, 2, 3]);
  });
});
