import { parseSearchRequest } from '@medplum/core';
import type { Bundle, Observation, Resource } from '@medplum/fhirtypes';
import { type AgencyServer, startAgencyServer } from './agency-server';

/** The index may only skip what Medplum would not match: every answer equals MemoryRepository's. */
describe('SearchIndex answers as MemoryRepository does', () => {
  let hospital: AgencyServer;
  let observations: Observation[];

  beforeAll(async () => {
    hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 4 } });
    const repo = hospital.repository;
    observations = await repo.searchResources<Observation>(
      parseSearchRequest('Observation?_sort=_lastUpdated'),
    );
    // Updates move resources to the end; a changed identifier must leave the old one behind.
    await repo.updateResource({ ...observations[0], status: 'amended' });
    await repo.updateResource({
      ...observations[1],
      identifier: [{ system: 'urn:renumbered', value: 'X-1' }],
    });
    await repo.deleteResource('Observation', observations[2].id ?? '');
    observations = await repo.searchResources<Observation>(
      parseSearchRequest('Observation?_sort=_lastUpdated'),
    );
  });

  afterAll(async () => {
    await hospital.close();
  });

  const ids = (bundle: Bundle) => (bundle.entry ?? []).map((e) => (e.resource as Resource).id);

  async function same(query: string, ordered: boolean): Promise<Bundle> {
    const request = () => parseSearchRequest(query);
    const indexed = await hospital.repository.search(request());
    const reference = await hospital.repository.searchWithoutIndex(request());
    expect(indexed.total).toBe(reference.total);
    if (ordered) expect(ids(indexed)).toEqual(ids(reference));
    else expect(new Set(ids(indexed))).toEqual(new Set(ids(reference)));
    return indexed;
  }

  it('on identifier searches, exact or not indexable', async () => {
    const key = observations[5].identifier?.[0];
    const system = key?.system ?? '';
    const value = key?.value ?? '';
    expect((await same(`Observation?identifier=${system}|${value}`, false)).total).toBe(1);
    expect(
      (await same(`Observation?identifier=${system.toUpperCase()}|${value.toUpperCase()}`, false)).total,
    ).toBe(1);
    await same(`Observation?identifier=${value}`, false);
    await same(`Observation?identifier=|${value}`, false);
    await same(`Observation?identifier=${system}|`, false);
    await same(`Observation?identifier=${system}|${value},${system}|nothing`, false);
    await same(`Observation?identifier:not=${system}|${value}`, false);
    // The index decides a lone identifier filter itself; with another, both must still hold.
    expect(
      (await same(`Observation?identifier=${system}|${value}&identifier=urn:renumbered|X-1`, false)).total,
    ).toBe(0);
    await same(`Observation?identifier=${system}|${value}&identifier:not=${system}|${value}`, false);
    await same(`Observation?identifier=${system}|${value}&status=final`, false);
    await same(`Observation?identifier=${system}|${value}&status=amended`, false);
    expect((await same('Observation?identifier=urn:renumbered|X-1', false)).total).toBe(1);
    const old = observations.find((o) => o.identifier?.[0]?.system === 'urn:renumbered');
    expect(old).toBeDefined();
    await hospital.repository.createResource({
      resourceType: 'DocumentReference',
      status: 'current',
      content: [{ attachment: { title: 'scan' } }],
      masterIdentifier: { system: 'urn:master', value: 'M-1' },
    });
    expect((await same('DocumentReference?identifier=urn:master|M-1', false)).total).toBe(1);
    const doc = (await hospital.repository.searchResources(parseSearchRequest('DocumentReference')))[0];
    const docKey = (doc as { identifier?: { system?: string; value?: string }[] }).identifier?.[0];
    expect((await same(`DocumentReference?identifier=${docKey?.system}|${docKey?.value}`, false)).total).toBe(
      1,
    );
  });

  it('on _lastUpdated bounds of every precision and time zone', async () => {
    const middle = observations[Math.floor(observations.length / 2)].meta?.lastUpdated ?? '';
    const last = observations.at(-1)?.meta?.lastUpdated ?? '';
    const local = new Date(Date.parse(middle) + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    for (const bound of [
      middle,
      last,
      '2000-01-01',
      middle.slice(0, 19),
      middle.slice(0, 10),
      encodeURIComponent(local),
    ]) {
      await same(`Observation?_lastUpdated=gt${bound}&_sort=_lastUpdated`, true);
      await same(`Observation?_lastUpdated=ge${bound}&_sort=_lastUpdated`, true);
      await same(`Observation?_lastUpdated=gt${bound}&_lastUpdated=lt${last}&_sort=_lastUpdated`, true);
    }
    expect((await same(`Observation?_lastUpdated=gt${last}`, true)).total).toBe(0);
    expect((await same(`Observation?_lastUpdated=ge${last}`, true)).total).toBe(1);
  });

  it('on sorts, offsets, counts and other parameters', async () => {
    await same('Observation?_sort=_lastUpdated&_count=7&_offset=3', true);
    await same('Observation?_sort=-_lastUpdated&_count=7&_offset=3', true);
    await same('Observation?status=amended', false);
    await same(`Observation?subject=${String(observations[4].subject?.reference)}`, false);
    await same('Observation?code=http://loinc.org|8867-4', false);
    await same('Encounter?_count=0', false);
    await same('Patient?_sort=birthdate', false);
  });
});
