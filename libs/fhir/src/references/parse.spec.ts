import { idOfReference, isAbsoluteReference, localTarget, parseReference, relativeTarget } from './parse';

const BASE = 'https://hub.example/fhir';

describe('parseReference', () => {
  it.each([
    ['Patient/p1', { kind: 'literal', type: 'Patient', id: 'p1' }],
    ['Patient/p-1.2/_history/3', { kind: 'literal', type: 'Patient', id: 'p-1.2', version: '3' }],
    [`${BASE}/Observation/o1`, { kind: 'literal', type: 'Observation', id: 'o1', base: BASE }],
    [
      `${BASE}/Observation/o1/_history/2`,
      { kind: 'literal', type: 'Observation', id: 'o1', version: '2', base: BASE },
    ],
    ['#med1', { kind: 'contained', id: 'med1' }],
    [
      'urn:uuid:0b9f4a9e-6f0c-4a8e-9a1e-2b5c0d3e4f51',
      { kind: 'urn', urn: 'urn:uuid:0b9f4a9e-6f0c-4a8e-9a1e-2b5c0d3e4f51' },
    ],
    ['urn:oid:1.2.250.1.71', { kind: 'urn', urn: 'urn:oid:1.2.250.1.71' }],
    [
      'Patient?identifier=urn%3Aoid%3A1.2%7C123',
      { kind: 'conditional', type: 'Patient', query: 'identifier=urn%3Aoid%3A1.2%7C123' },
    ],
  ])('%s', (reference, expected) => {
    expect(parseReference(reference)).toEqual(expected);
  });

  it.each([
    'patient/p1', // a type starts with a capital
    'Patient/', // no id
    `Patient/${'a'.repeat(65)}`, // ids are at most 64 characters
    'Patient/p_1', // nor hold an underscore
    'Patient/p1/_history/', // a version, if any, is an id
    'Patient',
    '',
    'https://hub.example/fhir/metadata',
    '/Patient/p1', // a base, if any, is not empty
  ])('%j is neither literal, contained, URN nor conditional', (reference) => {
    expect(parseReference(reference)).toEqual({ kind: 'other' });
  });

  it('takes an id of exactly 64 characters', () => {
    const id = 'a'.repeat(64);
    expect(parseReference(`Patient/${id}`)).toEqual({ kind: 'literal', type: 'Patient', id });
  });
});

describe('localTarget', () => {
  it.each([
    ['Patient/p1', { type: 'Patient', id: 'p1' }],
    ['Patient/p1/_history/3', { type: 'Patient', id: 'p1', version: '3' }],
    [`${BASE}/Patient/p1`, { type: 'Patient', id: 'p1' }],
    [`${BASE}/Patient/p1/_history/2`, { type: 'Patient', id: 'p1', version: '2' }],
  ])('%s is local', (reference, expected) => {
    expect(localTarget(reference, BASE)).toEqual(expected);
  });

  it.each([
    'https://elsewhere.example/fhir/Patient/p1',
    'https://hub.example/Patient/p1',
    'fhir/Patient/p1',
    '#p1',
    'urn:uuid:0b9f4a9e-6f0c-4a8e-9a1e-2b5c0d3e4f51',
    'Patient?identifier=s|v',
    'not a reference',
  ])('%s is not', (reference) => {
    expect(localTarget(reference, BASE)).toBeUndefined();
  });

  it('ignores trailing slashes of a base and takes several bases', () => {
    expect(localTarget(`${BASE}/Patient/p1`, `${BASE}/`)).toEqual({ type: 'Patient', id: 'p1' });
    expect(
      localTarget('http://internal:3000/fhir/Encounter/e1', [BASE, 'http://internal:3000/fhir']),
    ).toEqual({
      type: 'Encounter',
      id: 'e1',
    });
  });

  it('knows only relative references without a base', () => {
    expect(localTarget('Patient/p1')).toEqual({ type: 'Patient', id: 'p1' });
    expect(localTarget(`${BASE}/Patient/p1`)).toBeUndefined();
  });
});

describe('relativeTarget and idOfReference', () => {
  it('take a relative unversioned Type/id only', () => {
    expect(relativeTarget('Organization/o1')).toEqual({ type: 'Organization', id: 'o1' });
    expect(relativeTarget('Organization/o1/_history/1')).toBeUndefined();
    expect(relativeTarget(`${BASE}/Organization/o1`)).toBeUndefined();
    expect(idOfReference('Organization/o1', 'Organization')).toBe('o1');
    expect(idOfReference('Practitioner/o1', 'Organization')).toBeUndefined();
    expect(idOfReference(undefined, 'Organization')).toBeUndefined();
  });
});

describe('isAbsoluteReference', () => {
  it('is true with a URI scheme', () => {
    expect(isAbsoluteReference(`${BASE}/Patient/p1`)).toBe(true);
    expect(isAbsoluteReference('urn:uuid:x')).toBe(true);
    expect(isAbsoluteReference('Patient/p1')).toBe(false);
    expect(isAbsoluteReference('#p1')).toBe(false);
  });
});
