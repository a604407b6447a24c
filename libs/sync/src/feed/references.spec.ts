import type { Encounter } from 'fhir/r4';
import { conditionalReference, referencesIn, rewriteReferences } from './references';

describe('conditionalReference', () => {
  it('escapes FHIR token separators, then URL-encodes each part', () => {
    expect(conditionalReference('Patient', { system: 'https://x.example/id', value: 'A|1,2$3\\4' })).toBe(
      `Patient?identifier=${encodeURIComponent('https://x.example/id')}|${encodeURIComponent('A\\|1\\,2\\$3\\\\4')}`,
    );
    expect(
      new URLSearchParams(conditionalReference('Patient', { system: 's', value: 'a|b' })!.split('?')[1]).get(
        'identifier',
      ),
    ).toBe('s|a\\|b');
  });

  it('needs a system and a value', () => {
    expect(conditionalReference('Patient', { value: 'x' })).toBeUndefined();
    expect(conditionalReference('Patient', undefined)).toBeUndefined();
  });
});

describe('rewriteReferences', () => {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: { code: 'IMP' },
    subject: { reference: 'Patient/p1', display: 'the patient' },
    participant: [{ individual: { reference: 'Practitioner/d1' } }],
    serviceProvider: { reference: 'https://elsewhere.example/Organization/o1' },
  };

  it('replaces literal references and keeps only the display of unresolved ones, on a copy', () => {
    const out = rewriteReferences(encounter, (t) =>
      t.type === 'Patient' ? `Patient?identifier=s|${t.id}` : undefined,
    );
    expect(out.subject).toEqual({ reference: 'Patient?identifier=s|p1', display: 'the patient' });
    expect(out.participant?.[0].individual).toEqual({});
    // Absolute references are not this hub's: left as they are.
    expect(out.serviceProvider).toEqual(encounter.serviceProvider);
    expect(encounter.subject?.reference).toBe('Patient/p1');
    expect(referencesIn(encounter)).toHaveLength(3);
  });
});
