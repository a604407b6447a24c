import type { Identifier, Patient } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { type Actor, FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { IDENTITY_SCHEMA } from '../schema';
import { human, newIns, newNhs, next, qualified } from './mpi.fixtures';
import { PatientIndex } from './patient-index';
import { birthplaceExtension, verifiedNhsNumberExtension } from './qualification';

/** Only a qualified national id whose traits agree links records; anything weaker is a candidate. */
describe.each(STORE_KINDS)('PatientIndex, qualified national ids, on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let index: PatientIndex;
  const actor = (agency: string): Actor => ({ agency, requestId: 'test' });

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA] });
    index = new PatientIndex(opened.dataSource);
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
      afterWrite: [index.linkWrittenPatients],
    });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  async function push(agency: string, mrn: string, patient: Patient, ids: Identifier[]): Promise<string> {
    const system = `https://${agency}.example/mrn`;
    const resource: Patient = { ...patient, identifier: [{ system, value: mrn }, ...ids] };
    const result = await repo.conditionalUpdate(
      actor(agency),
      'Patient',
      { identifier: `${system}|${mrn}` },
      resource,
    );
    return result.stored.id;
  }
  const personOf = (id: string) => index.personOf(opened.dataSource.manager, id);
  const linked = (id: string) => index.linkedPatients(opened.dataSource.manager, id);
  const pendingFor = async (id: string) =>
    (await index.listCandidates({ count: 500 })).filter(
      (c) => c.patientId === id || c.matchedPatientId === id,
    );
  async function methodOf(id: string): Promise<string | undefined> {
    const rows = await opened.dataSource.query<{ method: string }[]>(
      'SELECT method FROM mpi_link WHERE patient_id = $1',
      [id],
    );
    return rows[0]?.method;
  }

  /** Two agencies push the same national id: linked, or apart with one candidate between them. */
  async function pair(first: Patient, second: Patient, id: Identifier = newIns()) {
    const n = next();
    const a = await push('hospital-a', `a${n}`, first, [id]);
    const b = await push('gp-b', `b${n}`, second, [id]);
    return { a, b };
  }

  it('proposes the same INS on identities that are not qualified as a candidate, never a link', async () => {
    const person = human();
    const { a, b } = await pair(person, person);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await linked(a)).toEqual([a]);
    expect(await pendingFor(b)).toMatchObject([
      { patientId: b, matchedPatientId: a, rule: 'national-id', evidence: { rules: ['ins'] } },
    ]);
  });

  it('does not link a qualified INS to the same INS on an identity that is not qualified', async () => {
    const person = human();
    const { a, b } = await pair(qualified(person), person);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(b)).toMatchObject([{ patientId: b, matchedPatientId: a, rule: 'national-id' }]);
  });

  it.each<[string, (p: Patient) => Patient]>([
    ['birth date', (p) => ({ ...p, birthDate: '1980-03-01' })],
    ['first given name', (p) => ({ ...p, name: [{ ...p.name![0], given: ['Maëlle'] }] })],
    ['sex', (p) => ({ ...p, gender: 'male' })],
    ['birthplace code', (p) => ({ ...p, extension: [...(p.extension ?? []), birthplaceExtension('75056')] })],
  ])('does not link qualified INS identities whose %s disagrees: a candidate', async (_what, change) => {
    const person = qualified({ ...human(), extension: [birthplaceExtension('29232')] });
    const other = change(qualified(human(person.name![0].family)));
    const { a, b } = await pair(person, other);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(b)).toMatchObject([{ patientId: b, matchedPatientId: a, rule: 'national-id' }]);
  });

  it('links qualified INS identities when only one gives the birthplace', async () => {
    const person = qualified(human());
    const { a, b } = await pair(
      { ...person, extension: [...person.extension!, birthplaceExtension('29232')] },
      person,
    );
    expect(await linked(a)).toEqual([a, b]);
    expect(await methodOf(b)).toBe('national-id');
    expect(await pendingFor(b)).toEqual([]);
  });

  it('links a verified NHS number, and proposes one that is not verified as a candidate', async () => {
    // UK Core has no traits to compare: verified on both records is the evidence.
    const both = await pair(human(), human(), newNhs());
    expect(await linked(both.a)).toEqual([both.a, both.b]);

    const person = human();
    const unverified = newNhs(false);
    const apart = await pair(person, person, unverified);
    expect(await personOf(apart.b)).not.toBe(await personOf(apart.a));
    expect(await pendingFor(apart.b)).toMatchObject([
      {
        patientId: apart.b,
        matchedPatientId: apart.a,
        rule: 'national-id',
        evidence: { rules: ['nhs-number'] },
      },
    ]);
    // Verified on one side only is not enough either.
    const oneSided = await push('specialist-c', `c${next()}`, person, [
      { ...unverified, extension: [verifiedNhsNumberExtension()] },
    ]);
    expect(await linked(oneSided)).toEqual([oneSided]);
  });

  it('moves a record out when its identity is no longer qualified, and asks an operator', async () => {
    const n = next();
    const ins = newIns();
    const person = qualified(human());
    const a = await push('hospital-a', `a${n}`, person, [ins]);
    const b = await push('gp-b', `b${n}`, person, [ins]);
    expect(await linked(a)).toEqual([a, b]);
    const { extension: _dropped, ...unqualified } = person;
    await push('gp-b', `b${n}`, unqualified, [ins]);
    expect(await linked(a)).toEqual([a]);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(b)).toMatchObject([{ patientId: b, matchedPatientId: a, rule: 'national-id' }]);
    // Qualified again: back with its person, with nothing left to ask.
    await push('gp-b', `b${n}`, person, [ins]);
    expect(await linked(a)).toEqual([a, b]);
    expect(await pendingFor(b)).toEqual([]);
  });

  it('never links nor proposes qualified identities carrying different INS', async () => {
    const person = qualified(human());
    const n = next();
    const a = await push('hospital-a', `a${n}`, person, [newIns()]);
    const b = await push('gp-b', `b${n}`, person, [newIns()]);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(b)).toEqual([]);
  });
});
