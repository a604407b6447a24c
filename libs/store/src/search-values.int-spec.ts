import type { Observation, Patient } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import type { Actor } from './types';

const actor: Actor = { agency: 'hospital-1', requestId: 'test' };

describe.each(STORE_KINDS)('the search_value index on %s', (kind) => {
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

  const ids = async (type: 'Patient' | 'Observation', params: Record<string, string>) =>
    (await repo.internal.search(repo.parseQuery(type, params, true))).entries.map((e) => e.stored.id).sort();

  it('replaces a resource rows with each version and drops them on delete', async () => {
    const p: Patient = { resourceType: 'Patient', name: [{ family: 'Lefèvre' }] };
    const { stored } = await repo.create(actor, 'Patient', p);
    expect(await ids('Patient', { family: 'lefevre' })).toEqual([stored.id]);
    await repo.update(actor, 'Patient', stored.id, { ...p, id: stored.id, name: [{ family: 'Martin' }] });
    expect(await ids('Patient', { family: 'lefevre' })).toEqual([]);
    expect(await ids('Patient', { family: 'martin' })).toEqual([stored.id]);
    await repo.delete(actor, 'Patient', stored.id);
    expect(await ids('Patient', { family: 'martin' })).toEqual([]);
    const left: unknown[] = await opened.dataSource.query(`SELECT 1 FROM search_value WHERE id = $1`, [
      stored.id,
    ]);
    expect(left).toHaveLength(0);
  });

  it('backfills what was stored before the migration, strings and new token keys alike', async () => {
    const { stored: patient } = await repo.create(actor, 'Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Avant', given: ['Zoé'] }],
      birthDate: '1970-07-01',
    });
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Poids' },
      subject: { reference: `Patient/${patient.id}` },
      valueQuantity: { value: 81.5, system: 'http://unitsofmeasure.org', code: 'kg' },
    };
    const { stored: observation } = await repo.create(actor, 'Observation', obs);
    // As the store was before: no search_value table, no presence keys (the migrations after it
    // are undone first, and run again with it).
    while (opened.dataSource.migrations.length > 0) {
      const [last] = await opened.dataSource.query<{ name: string }[]>(
        `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
      );
      await opened.dataSource.undoLastMigration();
      if (last?.name === 'SearchValues1765500000001') break;
    }
    await opened.dataSource.query(`UPDATE resource SET tokens = '{}'`);
    await opened.dataSource.runMigrations();
    expect(await ids('Patient', { given: 'zoe', birthdate: '1970' })).toEqual([patient.id]);
    expect(await ids('Observation', { 'value-quantity': '81.5|http://unitsofmeasure.org|kg' })).toEqual([
      observation.id,
    ]);
    expect(await ids('Observation', { 'code:text': 'poids', 'status:missing': 'false' })).toEqual([
      observation.id,
    ]);
  });
});
