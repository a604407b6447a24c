import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { getFhirSchemaValidator, type SupportedType } from '@passerelle/fhir';
import { FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { generateQueries } from './differential-queries';
import { knownDifference } from './known-differences';
import { loadMedplumDefinitions, syntheticRecords } from './records';

/**
 * The same records in the hub's store and in Medplum's MemoryRepository (a FHIR server nobody
 * here wrote), a few hundred generated queries, the id sets compared. Every disagreement must be
 * one recorded in known-differences.ts, with the reason taken from the FHIR specification.
 */
const QUERIES = 300;
const actor = { agency: 'diff', requestId: 'differential' };

describe.each(STORE_KINDS)('search agrees with Medplum MemoryRepository on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const medplum = new MemoryRepository();
  const resources = syntheticRecords(6, 4242);

  beforeAll(async () => {
    loadMedplumDefinitions();
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: [],
      validator: getFhirSchemaValidator(),
      defaultCount: 1000,
      maxCount: 1000,
    });
    for (const r of resources) {
      await repo.update(actor, r.resourceType as SupportedType, r.id as string, r);
      await medplum.createResource(r as MedplumResource);
    }
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it(`gives the same ids for ${QUERIES} generated queries, but for recorded differences`, async () => {
    const queries = generateQueries(resources, QUERIES, 99);
    expect(queries.length).toBe(QUERIES);
    const unexplained: string[] = [];
    let agreed = 0;
    for (const q of queries) {
      const params = Object.fromEntries(q.params);
      const ours = (await repo.internal.search(repo.parseQuery(q.type, params, true))).entries
        .map((e) => e.stored.id)
        .sort();
      const found = await medplum.search(parseSearchRequest(q.type, { ...params, _count: '1000' }));
      const theirs = (found.entry ?? []).map((e) => e.resource!.id).sort();
      if (JSON.stringify(ours) === JSON.stringify(theirs)) {
        agreed++;
        continue;
      }
      const url = `${q.type}?${q.params.map(([k, v]) => `${k}=${v}`).join('&')}`;
      if (!knownDifference(q, ours, theirs))
        unexplained.push(
          `${url}: hub ${ours.length} [${ours.slice(0, 3).join()}], medplum ${theirs.length} [${theirs.slice(0, 3).join()}]`,
        );
    }
    expect({ agreed, unexplained }).toEqual({ agreed, unexplained: [] });
    // Most queries agree outright: the differences are the exceptions recorded.
    expect(agreed / queries.length).toBeGreaterThan(0.85);
    // Every kind of parameter was exercised.
    expect(new Set(queries.map((q) => q.kind))).toEqual(
      new Set(['token', 'reference', 'string', 'date', 'quantity']),
    );
  });
});
