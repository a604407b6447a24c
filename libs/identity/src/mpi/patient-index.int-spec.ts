import type { Identifier, Patient } from 'fhir/r4';
import { getFhirSchemaValidator, OperationOutcomeError } from '@passerelle/fhir';
import { type Actor, FhirRepository, openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { IDENTITY_SCHEMA } from '../schema';
import { human, newIns, newNhs, next, qualified } from './mpi.fixtures';
import { PatientIndex } from './patient-index';

describe.each(STORE_KINDS)('PatientIndex on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let index: PatientIndex;
  const actor = (agency: string): Actor => ({ agency, requestId: 'test' });
  const manager = () => opened.dataSource.manager;

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

  /** An agency pushes its record (conditional update on its own MRN), as a connector does. */
  async function push(
    agency: string,
    mrn: string,
    patient: Patient,
    nationalIds: Identifier[] = [],
  ): Promise<string> {
    const system = `https://${agency}.example/mrn`;
    const resource: Patient = { ...patient, identifier: [{ system, value: mrn }, ...nationalIds] };
    const result = await repo.conditionalUpdate(
      actor(agency),
      'Patient',
      { identifier: `${system}|${mrn}` },
      resource,
    );
    return result.stored.id;
  }
  const personOf = (id: string) => index.personOf(manager(), id);
  const linked = (id: string) => index.linkedPatients(manager(), id);
  const pendingFor = async (id: string) =>
    (await index.listCandidates({ count: 500 })).filter(
      (c) => c.patientId === id || c.matchedPatientId === id,
    );
  async function rowCounts(): Promise<Record<string, number>> {
    const [row]: Record<string, number>[] = await opened.dataSource.query(
      `SELECT (SELECT count(*) FROM mpi_person)::int AS persons, (SELECT count(*) FROM mpi_link)::int AS links,
              (SELECT count(*) FROM mpi_key)::int AS keys, (SELECT count(*) FROM mpi_candidate)::int AS candidates`,
    );
    return row;
  }

  it('links the same qualified INS with the same traits from two agencies to one person, certainly', async () => {
    const ins = newIns();
    const person = human();
    const a = await push('hospital-a', 'a1', qualified(person), [ins]);
    const b = await push(
      'gp-b',
      'b1',
      qualified({
        ...person,
        name: [...person.name!, { use: 'usual', family: 'Someone', given: ['Else'] }],
        address: [{ use: 'home', postalCode: '75001' }],
      }),
      [{ ...ins, value: ins.value!.replace(/^(.{5})/, '$1 ') }],
    );
    expect(await personOf(b)).toBe(await personOf(a));
    expect(await linked(a)).toEqual([a, b]);
    const [link]: { method: string; evidence: unknown; agency: string }[] = await opened.dataSource.query(
      'SELECT method, evidence, agency FROM mpi_link WHERE patient_id = $1',
      [b],
    );
    expect(link).toEqual({ method: 'national-id', evidence: { rules: ['ins'] }, agency: 'gp-b' });
    expect(await pendingFor(a)).toEqual([]);
  });

  it('links the same NHS number within one transaction bundle', async () => {
    const nhs = newNhs();
    const ids = await repo.transaction(async (tx) => {
      const writes = [];
      const k = next();
      for (const id of [`bundle-${k}-1`, `bundle-${k}-2`]) {
        const patient: Patient = { ...human(), identifier: [nhs] };
        writes.push(
          await repo.prepareWrite(tx, actor('hospital-a'), 'Patient', id, patient, { isCreate: true }),
        );
      }
      await repo.commitAll(tx, actor('hospital-a'), writes);
      return writes.map((w) => w.result.stored.id);
    });
    expect(await personOf(ids[1])).toBe(await personOf(ids[0]));
  });

  it('proposes look-alikes without a national id as a candidate; confirming merges them', async () => {
    const n = next();
    const family = `Le Gall-Ménard-${next()}`;
    const a = await push('hospital-a', `a${n}`, human(family));
    const b = await push('gp-b', `b${n}`, {
      ...human(family.toUpperCase().replace(/-/g, ' ').replace('É', 'E'), 'ELOISE'),
      address: [{ postalCode: '29 200' }],
    });
    expect(await personOf(b)).not.toBe(await personOf(a));
    const [candidate] = await pendingFor(b);
    expect(candidate).toMatchObject({
      patientId: b,
      patientAgency: 'gp-b',
      matchedPatientId: a,
      matchedAgency: 'hospital-a',
      rule: 'demographic',
      evidence: { rules: ['family', 'given', 'birth-date', 'gender', 'postal-code'] },
    });
    expect(candidate.patientPerson.patients.map((p) => p.patientId)).toEqual([b]);
    expect(candidate.matchedPerson.patients.map((p) => p.patientId)).toEqual([a]);

    const personA = await personOf(a);
    const changes = await index.confirm(candidate.id, 'operator-1');
    expect(changes).toEqual([
      {
        action: 'confirm',
        patientId: b,
        fromPerson: candidate.patientPerson.id,
        toPerson: personA,
        operator: 'operator-1',
        candidateId: candidate.id,
      },
    ]);
    expect(await personOf(b)).toBe(personA);
    expect(await linked(b)).toEqual([b, a]);
    expect(await linked(a)).toEqual([a, b]);
    expect(await pendingFor(a)).toEqual([]);
    expect(await index.confirm(candidate.id, 'operator-1')).toEqual([]);
    await expect(index.reject(candidate.id, 'operator-1')).rejects.toThrow(OperationOutcomeError);
  });

  it('keeps a rejected pair apart, and does not ask again', async () => {
    const n = next();
    const family = `Dubois-${next()}`;
    const a = await push('hospital-a', `a${n}`, human(family));
    const b = await push('gp-b', `b${n}`, human(family));
    const [candidate] = await pendingFor(b);
    const changes = await index.reject(candidate.id, 'operator-2');
    expect(changes).toEqual([
      {
        action: 'reject',
        patientId: b,
        fromPerson: await personOf(b),
        toPerson: await personOf(b),
        operator: 'operator-2',
        candidateId: candidate.id,
      },
    ]);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await linked(b)).toEqual([b]);
    // A re-evaluation (its keys change) does not propose the rejected pair again.
    await push('gp-b', `b${n}`, human(family), [newNhs()]);
    expect(await pendingFor(b)).toEqual([]);
    await expect(index.confirm(candidate.id, 'operator-2')).rejects.toThrow(OperationOutcomeError);
  });

  it('does not link twins (same family and birth date, another given name)', async () => {
    const n = next();
    const family = `Bernard-${next()}`;
    const a = await push('hospital-a', `a${n}`, human(family, 'Léa'));
    const b = await push('hospital-a', `b${n}`, human(family, 'Lou'));
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(a)).toEqual([]);
  });

  it('never links records carrying different national ids, even with the same demographics', async () => {
    const n = next();
    const family = `Petit-${next()}`;
    const a = await push('hospital-a', `a${n}`, human(family), [newIns()]);
    const b = await push('gp-b', `b${n}`, human(family), [newIns()]);
    expect(await personOf(b)).not.toBe(await personOf(a));
    expect(await pendingFor(a)).toEqual([]);
    const matches = await index.match(manager(), { ...human(family), identifier: [newIns()] });
    expect(matches).toEqual([]);
  });

  it('writes nothing when the same push is retried, or when nothing that identifies changed', async () => {
    const n = next();
    const ins = newIns();
    const patient = qualified(human());
    await push('hospital-a', `a${n}`, patient, [ins]);
    const before = await rowCounts();
    const [link]: { updated_at: Date }[] = await opened.dataSource.query(
      'SELECT max(updated_at) AS updated_at FROM mpi_link',
    );
    await push('hospital-a', `a${n}`, patient, [ins]);
    await push('hospital-a', `a${n}`, { ...patient, telecom: [{ system: 'phone', value: '0600000000' }] }, [
      ins,
    ]);
    expect(await rowCounts()).toEqual(before);
    const [after]: { updated_at: Date }[] = await opened.dataSource.query(
      'SELECT max(updated_at) AS updated_at FROM mpi_link',
    );
    expect(after.updated_at).toEqual(link.updated_at);
  });

  it('makes one person of ten agencies pushing the same human at once', async () => {
    const ins = newIns();
    const patient = qualified(human());
    const ids = await Promise.all(
      Array.from({ length: 10 }, (_, i) => push(`agency-${i}`, 'same', patient, [ins])),
    );
    const persons = new Set(await Promise.all(ids.map(personOf)));
    expect(persons.size).toBe(1);
    expect(await linked(ids[0])).toHaveLength(10);
    expect(await pendingFor(ids[0])).toEqual([]);
  });

  it('re-evaluates a record whose national id is corrected', async () => {
    const n = next();
    const [x, y] = [newIns(), newIns()];
    const person = qualified(human());
    const a = await push('hospital-a', `a${n}`, person, [x]);
    const b = await push('gp-b', `b${n}`, person, [x]);
    expect(await personOf(b)).toBe(await personOf(a));
    await push('gp-b', `b${n}`, person, [y]);
    expect(await personOf(b)).not.toBe(await personOf(a));
    const c = await push('specialist-c', `c${n}`, person, [y]);
    expect(await linked(b)).toEqual([b, c]);
  });

  it('asks about records an operator joined to a record that then moved by national id', async () => {
    const n = next();
    const family = `Moreau-${next()}`;
    const x = newIns();
    const a = await push('hospital-a', `a${n}`, human(family));
    const c = await push('gp-c', `c${n}`, human(family));
    await index.confirm((await pendingFor(c))[0].id, 'operator-3');
    // The same INS traits, another address: no demographic candidate of its own.
    const d = await push(
      'specialist-d',
      `d${n}`,
      qualified({ ...human(family), address: [{ use: 'home', postalCode: '75001' }] }),
      [x],
    );
    await push('hospital-a', `a${n}`, qualified(human(family)), [x]);
    expect(await linked(a)).toEqual([a, d]);
    const [moved] = await pendingFor(c);
    expect(moved).toMatchObject({ patientId: c, matchedPatientId: a, rule: 'linked-record-moved' });
    await index.confirm(moved.id, 'operator-3');
    expect(await linked(d)).toEqual([d, ...[a, c].sort()]);
  });

  it('refuses to confirm a candidate once the persons carry different national ids', async () => {
    const n = next();
    const family = `Roux-${next()}`;
    const a = await push('hospital-a', `a${n}`, human(family), [newIns()]);
    const b = await push('gp-b', `b${n}`, human(family));
    const [candidate] = await pendingFor(b);
    expect(candidate.matchedPatientId).toBe(a);
    await push('gp-b', `b${n}`, human(family), [newIns()]);
    await expect(index.confirm(candidate.id, 'operator-4')).rejects.toMatchObject({ status: 409 });
    expect(await personOf(b)).not.toBe(await personOf(a));
  });

  it('lets an operator unlink a record (it stays apart) and link it again', async () => {
    const n = next();
    const ins = newIns();
    const human1 = qualified(human());
    const a = await push('hospital-a', `a${n}`, human1, [ins]);
    const b = await push('gp-b', `b${n}`, human1, [ins]);
    const person = (await personOf(a))!;
    const [unlinked] = await index.unlink(b, 'operator-5');
    expect(unlinked).toMatchObject({
      action: 'unlink',
      patientId: b,
      fromPerson: person,
      operator: 'operator-5',
    });
    expect(unlinked.toPerson).not.toBe(person);
    expect(await linked(a)).toEqual([a]);
    await push('gp-b', `b${n}`, human1, [ins, newNhs()]);
    expect(await personOf(b)).toBe(unlinked.toPerson);
    expect(await pendingFor(b)).toEqual([]);
    expect(await index.link(b, person, 'operator-5')).toEqual([
      {
        action: 'link',
        patientId: b,
        fromPerson: unlinked.toPerson,
        toPerson: person,
        operator: 'operator-5',
      },
    ]);
    expect(await linked(a)).toEqual([a, b]);
    expect(await index.link(b, person, 'operator-5')).toEqual([]);
    await expect(index.link(b, 'no-such-person', 'operator-5')).rejects.toMatchObject({ status: 404 });
  });

  it('refuses an operator link between different national ids', async () => {
    const n = next();
    const a = await push('hospital-a', `a${n}`, human(), [newIns()]);
    const b = await push('gp-b', `b${n}`, human(), [newIns()]);
    await expect(index.link(b, (await personOf(a))!, 'operator-6')).rejects.toMatchObject({ status: 409 });
  });

  it('stops resolving a deleted record, and takes it back to its person when re-created', async () => {
    const n = next();
    const ins = newIns();
    const same = qualified(human());
    const a = await push('hospital-a', `a${n}`, same, [ins]);
    const b = await push('gp-b', `b${n}`, same, [ins]);
    const person = await personOf(a);
    await repo.delete(actor('gp-b'), 'Patient', b);
    expect(await linked(a)).toEqual([a]);
    expect(await linked(b)).toEqual([b]);
    expect(await personOf(b)).toBeUndefined();
    await repo.update(actor('gp-b'), 'Patient', b, { ...same, id: b, identifier: [ins] });
    expect(await personOf(b)).toBe(person);
  });

  it('answers $match with graded results, best first', async () => {
    const n = next();
    const family = `Garnier-${next()}`;
    const ins = newIns();
    const a = await push('hospital-a', `a${n}`, qualified(human(family)), [ins]);
    const b = await push('gp-b', `b${n}`, human(family));
    const moved = await push('gp-c', `c${n}`, { ...human(family), address: [{ postalCode: '75001' }] });
    const certain = await index.match(
      manager(),
      { ...qualified(human(family)), identifier: [ins] },
      { onlyCertain: true },
    );
    expect(certain).toEqual([
      { patientId: a, personId: await personOf(a), grade: 'certain', score: 1, rules: ['ins'] },
    ]);
    // The same INS on an identity that is not qualified (or with other traits): only probable.
    const unqualified = await index.match(manager(), { ...human('Anyone'), identifier: [ins] });
    expect(unqualified).toEqual([
      { patientId: a, personId: await personOf(a), grade: 'probable', score: 0.8, rules: ['ins'] },
    ]);
    expect(
      await index.match(
        manager(),
        { ...qualified(human('Anyone')), identifier: [ins] },
        { onlyCertain: true },
      ),
    ).toEqual([]);
    const byDemographics = await index.match(manager(), human(family));
    expect(byDemographics.map((m) => [m.patientId, m.grade])).toEqual(
      [
        [a, 'probable'],
        [b, 'probable'],
      ]
        .sort((x, y) => x[0].localeCompare(y[0]))
        .concat([[moved, 'possible']]),
    );
    expect(await index.match(manager(), human(family), { onlyCertain: true })).toEqual([]);
  });
  it('pages pending candidates and shows a person with its records', async () => {
    const n = next();
    const family = `Fournier-${n}`;
    const a = await push('hospital-a', `a${n}`, human(family));
    await push('gp-b', `b${n}`, human(family));
    await push('gp-c', `c${n}`, human(family));
    const all = await index.listCandidates({ count: 500 });
    const [first] = await index.listCandidates({ count: 1 });
    const rest = await index.listCandidates({ count: 500, after: first.id });
    expect([first, ...rest].map((c) => c.id)).toEqual(all.map((c) => c.id));
    const person = await index.person(manager(), (await personOf(a))!);
    expect(person?.patients).toEqual([{ patientId: a, agency: 'hospital-a', method: 'new', active: true }]);
    expect(await index.person(manager(), 'no-such-person')).toBeUndefined();
  });
});
