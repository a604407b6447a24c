import type { Patient } from 'fhir/r4';
import { canonicalJson } from '@passerelle/fhir';
import { sameClientContent, withServerMeta } from './content';

describe('resource content', () => {
  const base: Patient = {
    resourceType: 'Patient',
    name: [{ family: 'Dupont', given: ['Anne'] }],
    meta: { tag: [{ code: 't' }] },
  };

  it('compares content whatever the key order, ignoring id and server meta', () => {
    const stored = withServerMeta(base, 'p1', 3, new Date('2024-01-01T00:00:00Z'), 'gp-1');
    const resent: Patient = {
      meta: { tag: [{ code: 't' }] },
      name: [{ given: ['Anne'], family: 'Dupont' }],
      resourceType: 'Patient',
    };
    expect(sameClientContent(stored, resent)).toBe(true);
    expect(sameClientContent(stored, { ...resent, gender: 'female' })).toBe(false);
    expect(sameClientContent(stored, { ...resent, meta: { tag: [{ code: 'other' }] } })).toBe(false);
  });

  it('keeps array order significant', () => {
    expect(canonicalJson({ a: [1, 2] })).not.toBe(canonicalJson({ a: [2, 1] }));
  });

  it('sets version, time and a default source, keeping a client source', () => {
    const when = new Date('2024-05-01T10:00:00.123Z');
    expect(withServerMeta(base, 'p1', 2, when, 'gp-1').meta).toEqual({
      tag: [{ code: 't' }],
      versionId: '2',
      lastUpdated: '2024-05-01T10:00:00.123Z',
      source: 'urn:passerelle:agency:gp-1',
    });
    const own = withServerMeta(
      { ...base, meta: { source: 'https://ehr.example/fhir' } },
      'p1',
      1,
      when,
      'gp-1',
    );
    expect(own.meta?.source).toBe('https://ehr.example/fhir');
  });
});
