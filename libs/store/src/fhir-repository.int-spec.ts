import type { Observation, Patient } from 'fhir/r4';
import { getFhirSchemaValidator, OperationOutcomeError } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import { ALL_VISIBLE } from './paging';
import { parseStored, type Actor } from './types';

const actor: Actor = { agency: 'hospital-1', requestId: 'test' };
const MRN = 'https://hospital.example.org/mrn';

describe.each(STORE_KINDS)('FhirRepository on %s', (kind) => {
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
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  const countBy = async (params: Record<string, string>) =>
    (
      await repo.search(
        { actor, visible: ALL_VISIBLE },
        repo.parseQuery('Observation', { ...params, _summary: 'count' }, true),
      )
    ).total;

  it('records the acting agency as provenance on every version', async () => {
    const patient: Patient = { resourceType: 'Patient', identifier: [{ system: MRN, value: 'prov-1' }] };
    const { stored } = await repo.create(actor, 'Patient', patient);
    const rows: { source_agency: string }[] = await opened.dataSource.query(
      'SELECT source_agency FROM resource_version WHERE id = $1',
      [stored.id],
    );
    expect(rows).toEqual([{ source_agency: 'hospital-1' }]);
    expect(parseStored(stored).meta?.source).toBe('urn:passerelle:agency:hospital-1');
  });

  it('keeps the search index in step with the current version', async () => {
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'preliminary',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
      subject: { reference: 'Patient/idx-1' },
    };
    const created = await repo.create(actor, 'Observation', obs);
    expect(await countBy({ patient: 'idx-1', status: 'preliminary' })).toBe(1);
    const updated = await repo.update(actor, 'Observation', created.stored.id, {
      ...obs,
      id: created.stored.id,
      status: 'final',
    });
    expect(updated.stored.versionId).toBe(2);
    expect(await countBy({ patient: 'idx-1', status: 'preliminary' })).toBe(0);
    expect(await countBy({ patient: 'idx-1', status: 'final' })).toBe(1);
    await repo.delete(actor, 'Observation', created.stored.id);
    expect(await countBy({ patient: 'idx-1' })).toBe(0);
    const history = await repo.history(
      { actor, visible: ALL_VISIBLE },
      { type: 'Observation', id: created.stored.id },
    );
    expect(history.entries.map((e) => e.method)).toEqual(['delete', 'update', 'create']);
  });

  it('rolls back every write of a failed transaction', async () => {
    await expect(
      repo.transaction(async (tx) => {
        const pending = await repo.prepareWrite(
          tx,
          actor,
          'Patient',
          'rollback-1',
          { resourceType: 'Patient', id: 'rollback-1' },
          {},
        );
        await repo.commitAll(tx, actor, [pending]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(repo.internal.read('Patient', 'rollback-1')).rejects.toThrow(OperationOutcomeError);
  });

  it('runs concurrent transactions without mixing their rows', async () => {
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        repo.conditionalUpdate(
          actor,
          'Patient',
          { identifier: `${MRN}|mix-${i}` },
          {
            resourceType: 'Patient',
            identifier: [{ system: MRN, value: `mix-${i}` }],
            name: [{ family: `Family${i}` }],
          },
        ),
      ),
    );
    for (let i = 0; i < 20; i++) {
      const page = await repo.search(
        { actor, visible: ALL_VISIBLE },
        repo.parseQuery('Patient', { identifier: `${MRN}|mix-${i}` }, true),
      );
      expect(page.total).toBe(1);
      expect(parseStored<Patient>(page.entries[0].stored).name?.[0].family).toBe(`Family${i}`);
    }
  });
});
