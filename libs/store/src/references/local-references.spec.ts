import type { Observation } from 'fhir/r4';
import { localReferencesOf, localTarget, unresolvableReferences } from './local-references';

const BASE = 'https://hub.example/fhir';

describe('localTarget', () => {
  it.each([
    ['Patient/123', 'Patient/123'],
    ['Patient/123/_history/2', 'Patient/123'],
    [`${BASE}/Organization/chu`, 'Organization/chu'],
    ['Patient?identifier=x|1', undefined],
    ['not a reference', undefined],
  ])('%s is local, to %s', (reference, target) => {
    expect(localTarget(reference, [BASE])).toEqual({ skip: false, target });
  });

  it.each([
    '#p1',
    'urn:uuid:5d0c2a55-0d3f-4a3f-9a55-8e0c0a000001',
    'urn:oid:1.2.250.1.71',
    'https://other.example/fhir/Patient/1',
    `${BASE}x/Patient/1`,
  ])('%s is left alone', (reference) => {
    expect(localTarget(reference, [BASE])).toEqual({ skip: true });
  });
});

describe('localReferencesOf', () => {
  it('lists every local reference in document order with where it stands', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: 'Patient/p' },
      performer: [
        { reference: '#c' },
        { reference: 'Practitioner/a' },
        { reference: `${BASE}/Organization/o` },
      ],
      hasMember: [{ reference: 'Observation?code=1' }],
      extension: [{ url: 'https://example.org/x', valueReference: { reference: 'Device/d' } }],
    };
    expect(localReferencesOf(observation, 'Bundle.entry[3].resource', [BASE])).toEqual([
      { target: 'Patient/p', expression: 'Bundle.entry[3].resource.subject.reference' },
      { target: 'Practitioner/a', expression: 'Bundle.entry[3].resource.performer[1].reference' },
      { target: 'Organization/o', expression: 'Bundle.entry[3].resource.performer[2].reference' },
      { target: undefined, expression: 'Bundle.entry[3].resource.hasMember[0].reference' },
      { target: 'Device/d', expression: 'Bundle.entry[3].resource.extension[0].valueReference.reference' },
    ]);
  });
});

describe('unresolvableReferences', () => {
  it('is a 422 with one issue per place and nothing about the target', () => {
    const error = unresolvableReferences(['Observation.subject.reference', 'Observation.subject.reference']);
    expect(error.status).toBe(422);
    expect(error.outcome.issue).toEqual([
      {
        severity: 'error',
        code: 'processing',
        diagnostics: 'The reference does not resolve to a resource you may refer to',
        expression: ['Observation.subject.reference'],
      },
    ]);
  });
});
