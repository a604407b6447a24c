import type { Observation, Patient } from 'fhir/r4';
import { searchsetBundle } from './bundle';
import { searchsetJson } from './searchset-json';

const base = 'https://hub.example/fhir';
const patient: Patient = {
  resourceType: 'Patient',
  id: 'p-1',
  meta: { versionId: '2', lastUpdated: '2024-03-01T10:00:00.000Z' },
  name: [{ family: 'Dupont', given: ['Hélène'] }],
};
const observation: Observation = {
  resourceType: 'Observation',
  id: 'o-1',
  status: 'final',
  code: { text: 'a "quoted" \\ text' },
  subject: { reference: 'Patient/p-1' },
};
// As PostgreSQL prints jsonb: spaces after separators, keys reordered.
const stored = (r: Patient | Observation) => JSON.stringify(r, null, 1).replace(/\n\s*/g, ' ');

describe('searchsetJson', () => {
  const links = { self: `${base}/Patient?name=dup`, next: `${base}/Patient?name=dup&_page=x` };

  it('answers the same document as searchsetBundle, resources as stored', () => {
    const text = searchsetJson(
      base,
      [
        { type: 'Patient', id: 'p-1', json: stored(patient), mode: 'match' },
        { type: 'Observation', id: 'o-1', json: stored(observation), mode: 'include' },
      ],
      links,
      7,
    );
    expect(JSON.parse(text)).toEqual(
      searchsetBundle(
        base,
        [
          { resource: patient, mode: 'match' },
          { resource: observation, mode: 'include' },
        ],
        links,
        7,
      ),
    );
  });

  it('leaves out entry when there is none, and total when unknown', () => {
    const text = searchsetJson(base, [], { self: `${base}/Patient` });
    expect(JSON.parse(text)).toEqual(searchsetBundle(base, [], { self: `${base}/Patient` }));
    expect(JSON.parse(text)).not.toHaveProperty('total');
    expect(JSON.parse(text)).not.toHaveProperty('entry');
  });

  it('keeps the field order of searchsetBundle', () => {
    const text = searchsetJson(
      base,
      [{ type: 'Patient', id: 'p-1', json: JSON.stringify(patient), mode: 'match' }],
      links,
      1,
    );
    expect(text).toBe(
      JSON.stringify(searchsetBundle(base, [{ resource: patient, mode: 'match' }], links, 1)),
    );
  });
});
