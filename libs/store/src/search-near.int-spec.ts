import type { Location } from 'fhir/r4';
import { getFhirSchemaValidator, type QueryParams } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { ALL_VISIBLE, type Visibility } from './paging';
import type { StoredResource } from './types';

const actor = { agency: 'hospital-1', requestId: 'test' };

/** Lyon Part-Dieu, Lyon Bellecour (2.15 km away), Villeurbanne (2.7 km), Saint-Étienne (51 km), Paris (392 km). */
const PLACES: [string, number | undefined, number | undefined][] = [
  ['part-dieu', 45.7606, 4.8594],
  ['bellecour', 45.7578, 4.832],
  ['villeurbanne', 45.7719, 4.8902],
  ['saint-etienne', 45.4397, 4.3872],
  ['paris', 48.8566, 2.3522],
  ['nowhere', undefined, undefined],
];

describe.each(STORE_KINDS)('Location near on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const names = new Map<string, string>();

  const near = async (params: QueryParams, visible: Visibility<StoredResource> = ALL_VISIBLE) =>
    (await repo.search({ actor, visible }, repo.parseQuery('Location', params, true))).entries
      .map((e) => names.get(e.stored.id))
      .sort();

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: [],
      validator: getFhirSchemaValidator(),
      defaultCount: 50,
      maxCount: 100,
    });
    for (const [name, latitude, longitude] of PLACES) {
      const location: Location = {
        resourceType: 'Location',
        name,
        ...(latitude !== undefined && longitude !== undefined && { position: { latitude, longitude } }),
      };
      names.set((await repo.create(actor, 'Location', location)).stored.id, name);
    }
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('finds the Locations within the distance of the point', async () => {
    expect(await near({ near: '45.7606|4.8594|1|km' })).toEqual(['part-dieu']);
    expect(await near({ near: '45.7606|4.8594|2.5|km' })).toEqual(['bellecour', 'part-dieu']);
    expect(await near({ near: '45.7606|4.8594|4' })).toEqual(['bellecour', 'part-dieu', 'villeurbanne']);
    expect(await near({ near: '45.7606|4.8594|2000|m' })).toEqual(['part-dieu']);
    expect(await near({ near: '45.7606|4.8594|40|[mi_i]' })).toEqual([
      'bellecour',
      'part-dieu',
      'saint-etienne',
      'villeurbanne',
    ]);
    // Without a distance: 10 km.
    expect(await near({ near: '45.7606|4.8594' })).toEqual(['bellecour', 'part-dieu', 'villeurbanne']);
    // Commas are OR: around Lyon or around Paris.
    expect(await near({ near: '45.7606|4.8594|1|km,48.85|2.35|5|km' })).toEqual(['paris', 'part-dieu']);
    // AND with another criterion.
    expect(await near({ near: '45.7606|4.8594|5|km', name: 'villeur' })).toEqual(['villeurbanne']);
  });

  it('never finds what the caller may not see', async () => {
    const visible: Visibility<StoredResource> = (rows) =>
      Promise.resolve(rows.map((r) => names.get(r.id) !== 'bellecour'));
    expect(await near({ near: '45.7606|4.8594|2.5|km' }, visible)).toEqual(['part-dieu']);
  });
});
