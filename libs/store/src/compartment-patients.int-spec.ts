import type { Appointment, Group, Observation, Patient } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from './data-source';
import { FhirRepository } from './fhir-repository';
import type { Actor } from './types';

const actor: Actor = { agency: 'hospital-1', requestId: 'test' };

/** Where a resource about several patients is kept: its patient of record and the others. */
describe.each(STORE_KINDS)("a resource in several patients' compartments on %s", (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let a: string;
  let b: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: [],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
    });
    const patient = (family: string): Patient => ({ resourceType: 'Patient', name: [{ family }] });
    a = (await repo.create(actor, 'Patient', patient('A'))).stored.id;
    b = (await repo.create(actor, 'Patient', patient('B'))).stored.id;
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  const group = (): Group => ({
    resourceType: 'Group',
    type: 'person',
    actual: true,
    member: [{ entity: { reference: `Patient/${a}` } }, { entity: { reference: `Patient/${b}` } }],
  });
  const everythingOf = async (id: string) =>
    (await repo.internal.everything([id], {})).entries.map((e) => `${e.stored.type}/${e.stored.id}`);
  const placement = (table: string, id: string) =>
    opened.dataSource.query<{ patient_id: string | null; other_patients: string[] }[]>(
      `SELECT patient_id, other_patients FROM ${table} WHERE id = $1 ORDER BY ${table === 'resource' ? 'id' : 'version_id'}`,
      [id],
    );

  it('keeps the patient of record and the others, on the current row and every version, and a deletion keeps them', async () => {
    const { stored } = await repo.create(actor, 'Group', group());
    expect(stored).toMatchObject({ patientId: a, otherPatientIds: [b] });
    expect(await everythingOf(b)).toContain(`Group/${stored.id}`);
    expect(await everythingOf(a)).toContain(`Group/${stored.id}`);
    await repo.update(actor, 'Group', stored.id, {
      ...group(),
      id: stored.id,
      member: [{ entity: { reference: `Patient/${b}` } }],
    });
    expect(await placement('resource', stored.id)).toEqual([{ patient_id: b, other_patients: [] }]);
    await repo.delete(actor, 'Group', stored.id);
    expect(await placement('resource_version', stored.id)).toEqual([
      { patient_id: a, other_patients: [b] },
      { patient_id: b, other_patients: [] },
      { patient_id: b, other_patients: [] },
    ]);
  });

  it('places again, by the CompartmentDefinition, what was stored before the migration', async () => {
    const appointment: Appointment = {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [
        { actor: { reference: `Patient/${a}` }, status: 'accepted' },
        { actor: { reference: `Patient/${b}` }, status: 'accepted' },
      ],
    };
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'reported by another patient' },
      subject: { reference: `Patient/${a}` },
      performer: [{ reference: `Patient/${b}` }],
    };
    const appt = (await repo.create(actor, 'Appointment', appointment)).stored.id;
    const obs = (await repo.create(actor, 'Observation', observation)).stored.id;
    // As the store was before: one patient per row, as `patient`/`subject` gave it.
    await opened.dataSource.undoLastMigration();
    await opened.dataSource.query(
      `UPDATE resource SET patient_id = NULL WHERE resource_type = 'Appointment'`,
    );
    await opened.dataSource.runMigrations();
    expect(await placement('resource', appt)).toEqual([{ patient_id: a, other_patients: [b] }]);
    expect(await placement('resource', obs)).toEqual([{ patient_id: a, other_patients: [b] }]);
    expect(await placement('resource_version', appt)).toEqual([{ patient_id: a, other_patients: [b] }]);
    expect(await everythingOf(b)).toEqual(
      expect.arrayContaining([`Appointment/${appt}`, `Observation/${obs}`]),
    );
  });
});
