import type { Consent, Patient, ServiceRequest } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { IDENTITY_SCHEMA, PatientIndex } from '@passerelle/identity';
import { type Actor, FhirRepository, openDatabase, type OpenDatabase, parseStored } from '@passerelle/store';
import { createTestDatabase, insertAgencyRow, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { asker, org, privacyConsent } from './consent.fixtures';
import { ConsentService } from './consent.service';
import { PersonConsentSource } from './person-consent-source';
import { maintainCareRelationships } from './relationships/care-relationships';
import { CONSENT_SCHEMA } from './schema';
import type { AgencyKind, Decision } from './types';

const gp: Actor = { agency: 'gp-durand', requestId: 'test' };
const hospital: Actor = { agency: 'chu-nantes', requestId: 'test' };
const AGENCIES: Record<string, AgencyKind> = {
  'gp-durand': 'gp',
  'chu-nantes': 'hospital',
  'cardio-a': 'specialist',
  'cardio-b': 'specialist',
};

/**
 * The per-record consent version (migration 1765800000000): every change a consent decision
 * reads moves it in the changing transaction, one test per trigger; and a checked read decides on
 * a person's input held in memory only while their records and versions are unchanged.
 */
describe.each(STORE_KINDS)('consent versions on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let index: PatientIndex;
  let source: PersonConsentSource;
  let service: ConsentService;
  let p1: string;
  let p2: string;
  let observation: string;
  const manager = () => opened.dataSource.manager;

  const patient = (family: string, over: Partial<Patient> = {}): Patient => ({
    resourceType: 'Patient',
    name: [{ family, given: ['Anne'] }],
    birthDate: family === 'Morel' ? '1975-03-04' : '1990-11-21',
    gender: 'female',
    ...over,
  });
  const referral = (patientId: string, agency: string, status: ServiceRequest['status']): ServiceRequest => ({
    resourceType: 'ServiceRequest',
    status,
    intent: 'order',
    subject: { reference: `Patient/${patientId}` },
    performer: [{ reference: `Organization/${agency}` }],
  });
  const objection = (patientId: string, agency: string): Consent => {
    const { id: _id, ...consent } = privacyConsent(
      { type: 'deny', actor: [org(agency)] },
      { patient: { reference: `Patient/${patientId}` }, performer: [{ reference: `Patient/${patientId}` }] },
    );
    return consent;
  };

  /** Each record's version now ('0': no row yet). */
  async function versions(...ids: string[]): Promise<string[]> {
    const rows: { patient_id: string; version: string }[] = await manager().query(
      'SELECT patient_id, version::text AS version FROM consent_version WHERE patient_id = ANY($1::text[])',
      [ids],
    );
    return ids.map((id) => rows.find((r) => r.patient_id === id)?.version ?? '0');
  }
  /** Which of `ids` had their version moved by `change`. */
  async function moved(ids: string[], change: () => Promise<unknown>): Promise<string[]> {
    const before = await versions(...ids);
    await change();
    const after = await versions(...ids);
    return ids.filter((_, i) => before[i] !== after[i]);
  }
  const read = async (agency: string): Promise<Decision | undefined> =>
    (await service.readAndDecide(manager(), asker(agency, 'TREAT'), 'Observation', observation))?.decision;
  const personOf = async (id: string) => (await index.personOf(manager(), id))!;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA] });
    index = new PatientIndex(opened.dataSource);
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
      afterWrite: [index.linkWrittenPatients, maintainCareRelationships],
    });
    for (const [id, k] of Object.entries(AGENCIES)) await insertAgencyRow(manager(), id, k);
    source = new PersonConsentSource(repo);
    service = new ConsentService(source, { model: 'implied', breakGlass: 'forbidden' });
    // Two persons: a record at the GP's, one at the hospital's (unlike: not linked).
    p1 = (await repo.create(gp, 'Patient', patient('Morel'))).stored.id;
    p2 = (await repo.create(hospital, 'Patient', patient('Garnier'))).stored.id;
    await repo.create(gp, 'ServiceRequest', referral(p1, 'cardio-a', 'active'));
    observation = (
      await repo.create(gp, 'Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
        subject: { reference: `Patient/${p1}` },
      })
    ).stored.id;
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it("a Consent's creation, edit, move to another patient and deletion move the versions of its patients", async () => {
    let consent: Consent | undefined;
    expect(
      await moved([p1, p2], async () => {
        consent = parseStored<Consent>((await repo.create(gp, 'Consent', objection(p1, 'cardio-b'))).stored);
      }),
    ).toEqual([p1]);
    const id = consent!.id!;
    expect(
      await moved([p1, p2], () => repo.update(gp, 'Consent', id, { ...objection(p1, 'chu-nantes'), id })),
    ).toEqual([p1]);
    // About another patient now: both the one it left and the one it names.
    expect(
      await moved([p1, p2], () => repo.update(gp, 'Consent', id, { ...objection(p2, 'chu-nantes'), id })),
    ).toEqual([p1, p2]);
    expect(await moved([p1, p2], () => repo.delete(gp, 'Consent', id))).toEqual([p2]);
  });

  it('moves the version in the changing transaction: a rolled-back change leaves it, and its number is never reused', async () => {
    const [before] = await versions(p1);
    let inside = '';
    let decidedInside: Decision | undefined;
    await expect(
      repo.create(gp, 'Consent', objection(p1, 'cardio-a'), undefined, async (tx) => {
        const rows: { v: string }[] = await tx.query(
          'SELECT version::text AS v FROM consent_version WHERE patient_id = $1',
          [p1],
        );
        inside = rows[0].v;
        // Decided (and held) on what the transaction sees: its own objection.
        decidedInside = (
          await service.readAndDecide(tx, asker('cardio-a', 'TREAT'), 'Observation', observation)
        )?.decision;
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(decidedInside).toEqual({ permit: false, basis: 'consent-deny' });
    expect(inside).not.toEqual(before);
    expect(await versions(p1)).toEqual([before]);
    // What the rolled-back transaction held is never taken for what was committed.
    expect(await read('cardio-a')).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
    const created = await repo.create(gp, 'Consent', objection(p1, 'cardio-b'));
    const [after] = await versions(p1);
    expect([before, inside]).not.toContain(after);
    await repo.delete(gp, 'Consent', created.stored.id);
  });

  it('a referral and its end move the patient’s version; writing it again unchanged does not', async () => {
    let id = '';
    expect(
      await moved([p1, p2], async () => {
        id = (await repo.create(gp, 'ServiceRequest', referral(p1, 'cardio-b', 'active'))).stored.id;
      }),
    ).toEqual([p1]);
    expect(
      await moved([p1], () =>
        repo.update(gp, 'ServiceRequest', id, { ...referral(p1, 'cardio-b', 'active'), id }),
      ),
    ).toEqual([]);
    expect(
      await moved([p1], () =>
        repo.update(gp, 'ServiceRequest', id, { ...referral(p1, 'cardio-b', 'completed'), id }),
      ),
    ).toEqual([p1]);
  });

  it('a GP of record named or dropped on a Patient moves its version; a change to anything else does not', async () => {
    const named = {
      ...patient('Morel', { generalPractitioner: [{ reference: 'Organization/cardio-b' }] }),
      id: p1,
    };
    expect(await moved([p1, p2], () => repo.update(gp, 'Patient', p1, named))).toEqual([p1]);
    expect(await moved([p1], () => repo.update(gp, 'Patient', p1, { ...named, gender: 'other' }))).toEqual(
      [],
    );
    expect(await moved([p1], () => repo.update(gp, 'Patient', p1, { ...patient('Morel'), id: p1 }))).toEqual([
      p1,
    ]);
  });

  it("a record's link: a new record, a merge, an unlink and a deletion move the record whose link changed", async () => {
    let p3 = '';
    await moved([], async () => {
      p3 = (await repo.create(hospital, 'Patient', patient('Roux'))).stored.id;
    });
    expect(await versions(p3)).not.toEqual(['0']);
    expect(await moved([p1, p3], async () => index.link(p3, await personOf(p1), 'operator-1'))).toEqual([p3]);
    expect(await moved([p1, p3], () => index.unlink(p3, 'operator-1'))).toEqual([p3]);
    expect(await moved([p1, p3], () => repo.delete(hospital, 'Patient', p3))).toEqual([p3]);
  });

  it('decides on the input it holds while nothing changed, and afresh after every change, wherever made', async () => {
    const permit: Decision = { permit: true, breakGlass: false, basis: 'base-implied' };
    const deny: Decision = { permit: false, basis: 'consent-deny' };
    expect(await read('cardio-a')).toEqual(permit);
    const { held, read: reads } = source.inputs;
    expect(await read('cardio-a')).toEqual(permit);
    expect(source.inputs).toEqual({ held: held + 1, read: reads });

    // An objection about another person's record: nothing of this person's changed.
    const aboutP2 = await repo.create(hospital, 'Consent', objection(p2, 'cardio-a'));
    expect(await read('cardio-a')).toEqual(permit);
    expect(source.inputs).toEqual({ held: held + 2, read: reads });
    // The operator merges that record into this person: its objection now counts.
    await index.link(p2, await personOf(p1), 'operator-1');
    expect(await read('cardio-a')).toEqual(deny);
    await index.unlink(p2, 'operator-1');
    expect(await read('cardio-a')).toEqual(permit);
    await repo.delete(hospital, 'Consent', aboutP2.stored.id);

    // An objection, then its withdrawal.
    const stored = parseStored<Consent>((await repo.create(gp, 'Consent', objection(p1, 'cardio-a'))).stored);
    expect(await read('cardio-a')).toEqual(deny);
    await repo.update(gp, 'Consent', stored.id!, { ...stored, status: 'inactive' });
    expect(await read('cardio-a')).toEqual(permit);

    // The referral ends: no care relationship any more.
    const referrals = await repo.internal.search(
      repo.parseQuery(
        'ServiceRequest',
        { subject: `Patient/${p1}`, performer: 'Organization/cardio-a' },
        true,
      ),
    );
    const sr = parseStored<ServiceRequest>(referrals.entries[0].stored);
    await repo.update(gp, 'ServiceRequest', sr.id!, { ...sr, status: 'revoked' });
    expect(await read('cardio-a')).toEqual({ permit: false, basis: 'no-care-relationship' });
    await repo.update(gp, 'ServiceRequest', sr.id!, { ...sr, status: 'active' });
    expect(await read('cardio-a')).toEqual(permit);
  });

  it('reverts and applies again', async () => {
    await opened.dataSource.undoLastMigration();
    const tables: { n: string }[] = await manager().query(
      `SELECT count(*)::text AS n FROM pg_class WHERE relname = 'consent_version'`,
    );
    expect(tables[0].n).toBe('0');
    await repo.create(gp, 'Consent', objection(p1, 'cardio-b')); // no trigger left behind
    await opened.dataSource.runMigrations();
    expect(await moved([p1], () => repo.create(gp, 'Consent', objection(p1, 'cardio-b')))).toEqual([p1]);
  });
});
