import type { Bundle, Encounter, Medication, MedicationRequest, Observation } from 'fhir/r4';
import {
  referenceExpression,
  referencesOf,
  referenceSites,
  removeSites,
  replaceReferences,
  replaceReferencesSync,
} from './walk';

const observation = (): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: 'Patient/p1', display: 'Jeanne' },
  performer: [
    { reference: 'Practitioner/pr1', identifier: { value: 'x', assigner: { reference: 'Organization/o1' } } },
    { display: 'a nurse' },
    { reference: 'Organization/o2' },
  ],
  hasMember: [{ reference: 'Observation/o3' }],
  extension: [{ url: 'https://example.org/x', valueReference: { reference: 'Device/d1' } }],
});

describe('referenceSites', () => {
  it('finds every reference, nested ones and extensions included, in document order', () => {
    expect(referencesOf(observation())).toEqual([
      'Patient/p1',
      'Practitioner/pr1',
      'Organization/o1',
      'Organization/o2',
      'Observation/o3',
      'Device/d1',
    ]);
  });

  it('says where each sits', () => {
    const resource = observation();
    const sites = referenceSites(resource);
    expect(sites.map((s) => s.path)).toEqual([
      ['subject'],
      ['performer', 0],
      ['performer', 0, 'identifier', 'assigner'],
      ['performer', 2],
      ['hasMember', 0],
      ['extension', 0, 'valueReference'],
    ]);
    expect(sites[1].parent).toBe(resource.performer);
    expect(sites[1].key).toBe(0);
    expect(sites[0].element).toBe(resource.subject);
    expect(referenceExpression('Observation', sites[2])).toBe(
      'Observation.performer[0].identifier.assigner.reference',
    );
  });

  it('leaves contained resources out when asked', () => {
    const medication: Medication = {
      resourceType: 'Medication',
      id: 'm1',
      manufacturer: { reference: 'Organization/o1' },
    };
    const request: MedicationRequest = {
      resourceType: 'MedicationRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: 'Patient/p1' },
      medicationReference: { reference: '#m1' },
      contained: [medication],
    };
    expect(referencesOf(request)).toEqual(['Patient/p1', '#m1', 'Organization/o1']);
    expect(referencesOf(request, { skipContained: true })).toEqual(['Patient/p1', '#m1']);
  });

  it('goes no deeper than maxDepth', () => {
    expect(referencesOf(observation(), { maxDepth: 2 })).toEqual([
      'Patient/p1',
      'Practitioner/pr1',
      'Organization/o2',
      'Observation/o3',
    ]);
  });

  it('ignores a `reference` that is not a string, and walks deep input without recursion', () => {
    let deep: Record<string, unknown> = { reference: 'Patient/deep' };
    for (let i = 0; i < 20_000; i++) deep = { item: [deep] };
    expect(referencesOf({ a: { reference: 42 }, deep })).toEqual(['Patient/deep']);
  });
});

describe('replaceReferences', () => {
  it('replaces what the callback answers and keeps the rest', async () => {
    const resource = observation();
    const seen: string[] = [];
    await replaceReferences(resource, async (reference) => {
      await Promise.resolve();
      seen.push(reference);
      return reference.startsWith('Organization/') ? `https://hub.example/fhir/${reference}` : undefined;
    });
    expect(seen).toHaveLength(6);
    expect(resource.performer?.[2].reference).toBe('https://hub.example/fhir/Organization/o2');
    expect(resource.performer?.[0].identifier?.assigner?.reference).toBe(
      'https://hub.example/fhir/Organization/o1',
    );
    expect(resource.subject?.reference).toBe('Patient/p1');
  });

  it('stops at the first throw, in document order', async () => {
    const resource = observation();
    await expect(
      replaceReferences(resource, (reference, site) => {
        if (reference.startsWith('Organization/')) throw new Error(referenceExpression('Observation', site));
        return 'Patient/other';
      }),
    ).rejects.toThrow('Observation.performer[0].identifier.assigner.reference');
    expect(resource.subject?.reference).toBe('Patient/other');
    expect(resource.performer?.[2].reference).toBe('Organization/o2');
  });

  it('has a synchronous twin', () => {
    const bundle: Bundle<Encounter> = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Encounter',
            status: 'finished',
            class: { code: 'AMB' },
            subject: { reference: 'urn:uuid:p' },
          },
        },
      ],
    };
    replaceReferencesSync(bundle, (reference) => (reference === 'urn:uuid:p' ? 'Patient/p1' : undefined));
    expect((bundle.entry?.[0].resource as Encounter).subject?.reference).toBe('Patient/p1');
  });
});

describe('removeSites', () => {
  it('removes array items and object keys, leaving what holds them', () => {
    const resource = observation();
    const sites = referenceSites(resource).filter((s) => s.element.reference.startsWith('Organization/'));
    removeSites(resource, sites);
    expect(resource.performer).toEqual([
      { reference: 'Practitioner/pr1', identifier: { value: 'x' } },
      { display: 'a nurse' },
    ]);
  });

  it('removes what is left empty, upwards, when asked', () => {
    const resource = observation();
    const sites = referenceSites(resource).filter((s) =>
      ['Observation/o3', 'Device/d1', 'Organization/o1'].includes(s.element.reference),
    );
    for (const site of sites) delete (site.element as Record<string, unknown>).reference;
    removeSites(
      resource,
      sites.filter((s) => Object.keys(s.element).length === 0),
      { removeEmptied: true },
    );
    expect(resource.hasMember).toBeUndefined();
    expect(resource.performer?.[0]).toEqual({ reference: 'Practitioner/pr1', identifier: { value: 'x' } });
    expect(resource.extension).toEqual([{ url: 'https://example.org/x' }]);
  });

  it('removes several items of one array, the holding array last', () => {
    const encounter: Encounter = {
      resourceType: 'Encounter',
      status: 'finished',
      class: { code: 'AMB' },
      participant: [{ individual: { reference: 'a' } }, { individual: { reference: 'b' } }],
    };
    removeSites(encounter, referenceSites(encounter), { removeEmptied: true });
    expect(encounter.participant).toBeUndefined();
    expect(encounter.class).toEqual({ code: 'AMB' });
  });
});
