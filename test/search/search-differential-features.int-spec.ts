import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { getFhirSchemaValidator, type SupportedType } from '@passerelle/fhir';
import { FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { featureQueries } from './feature-queries';
import { knownFeatureDifference } from './known-differences';
import { loadMedplumDefinitions, syntheticRecords } from './records';

/**
 * The differential test for `:missing` and `_sort`: the same records in the hub's store and in
 * Medplum's MemoryRepository; `:missing` compared as id sets, `_sort` in order. Every
 * disagreement must be recorded in known-differences.ts with the specification's reason.
 */
const actor = { agency: 'diff', requestId: 'differential-features' };

describe.each(STORE_KINDS)('search features agree with Medplum MemoryRepository on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  const medplum = new MemoryRepository();
  const resources = syntheticRecords(4, 777);

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
    // One at a time: the hub breaks ties by last update, Medplum by insertion order.
    for (const r of resources) {
      await repo.update(actor, r.resourceType as SupportedType, r.id as string, r);
      await medplum.createResource(r as MedplumResource);
    }
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('gives the same ids for :missing on every parameter, and the same order for _sort', async () => {
    const queries = featureQueries(resources);
    const unexplained: string[] = [];
    let agreed = 0;
    for (const q of queries) {
      const params = Object.fromEntries(q.params);
      const ours = (await repo.internal.search(repo.parseQuery(q.type, params, true))).entries.map(
        (e) => e.stored.id,
      );
      const found = await medplum.search(parseSearchRequest(q.type, { ...params, _count: '1000' }));
      const theirs = (found.entry ?? []).map((e) => e.resource!.id);
      const [a, b] = q.kind === 'sort' ? [ours, theirs] : [[...ours].sort(), [...theirs].sort()];
      if (JSON.stringify(a) === JSON.stringify(b)) {
        agreed++;
        continue;
      }
      if (!knownFeatureDifference(q, a, b))
        unexplained.push(
          `${q.type}?${q.params.map(([k, v]) => `${k}=${v}`).join('&')}: hub [${a.slice(0, 6).join()}]${a.length}, medplum [${b.slice(0, 6).join()}]${b.length}`,
        );
    }
    expect({ agreed, unexplained }).toEqual({ agreed, unexplained: [] });
    expect(agreed / queries.length).toBeGreaterThan(0.85);
    expect(new Set(queries.map((q) => q.kind))).toEqual(new Set(['missing', 'sort']));
  });
});
