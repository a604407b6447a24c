import type { Bundle, Observation } from 'fhir/r4';
import { getFhirSchemaValidator, parseSearchQuery } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { BundleProcessor } from './bundle/bundle-processor';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { examinationBound } from './paging';
import { searchPage } from './reads';
import type { Actor, StoredResource } from './types';

const mine: Actor = { agency: 'gp-mine', requestId: 'test' };
const theirs: Actor = { agency: 'hospital-theirs', requestId: 'test' };
const HIDDEN = 1_100;

const observation = (n: number): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
  subject: { reference: 'Patient/bounded-1' },
  identifier: [{ system: 'https://example.org/obs', value: String(n) }],
});

/**
 * A search by a caller who may see little examines a bounded number of rows per page: the
 * visibility function (the consent check) is counted, and never sees more than the bound.
 */
describe.each(STORE_KINDS)('search pages examine a bounded number of rows on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
    });
    // Two of the caller's own first, then many it may not see, then one more of its own.
    await repo.create(mine, 'Observation', observation(1));
    await repo.create(mine, 'Observation', observation(2));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: HIDDEN }, (_, i) => ({
        resource: observation(100 + i),
        request: { method: 'POST', url: 'Observation' },
      })),
    };
    await new BundleProcessor(repo, () => Promise.reject(new Error('no GET'))).process(theirs, bundle);
    await repo.create(mine, 'Observation', observation(3));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('answers a partial page with a next token once the bound is reached, and goes on from there', async () => {
    let examined = 0;
    const visible = (rows: readonly StoredResource[]) => {
      examined += rows.length;
      return Promise.resolve(rows.map((r) => r.sourceAgency === mine.agency));
    };
    const options = { strict: true, defaultCount: 20, maxCount: 100, localBases: [] };
    const query = parseSearchQuery('Observation', { _count: '5' }, options);
    const bound = examinationBound(5);

    const first = await searchPage(opened.dataSource.manager, query, visible, 100);
    expect(examined).toBeLessThanOrEqual(bound);
    expect(examined).toBeGreaterThan(bound - 10);
    expect(first.entries.map((e) => e.stored.sourceAgency)).toEqual([mine.agency, mine.agency]);
    expect(first.nextPageToken).toBeDefined();
    // Counting what the caller may see would examine every row again: left out of a partial page.
    expect(first.total).toBeUndefined();
    expect(first.hidden.length).toBe(examined - 2);

    examined = 0;
    const second = await searchPage(
      opened.dataSource.manager,
      { ...query, pageToken: first.nextPageToken },
      visible,
      100,
    );
    expect(examined).toBeLessThanOrEqual(bound);
    expect(second.entries.map((e) => e.stored.sourceAgency)).toEqual([mine.agency]);
    expect(second.nextPageToken).toBeUndefined();
    // The two pages examined every row once: all the hidden ones and the three visible.
    expect(first.hidden.length + second.hidden.length).toBe(HIDDEN);
  });
});
