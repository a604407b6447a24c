import type { Consent, Observation, Patient } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { IDENTITY_SCHEMA, INS_SYSTEM, PatientIndex, qualifiedInsExtension } from '@passerelle/identity';
import {
  type Actor,
  type Db,
  FhirRepository,
  openDatabase,
  type OpenDatabase,
  parseStored,
} from '@passerelle/store';
import { createTestDatabase, insertAgencyRow, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { asker, org, privacyConsent } from './consent.fixtures';
import { type ConsentSource, StoreConsentSource } from './consent-source';
import { ConsentService } from './consent.service';
import { PersonConsentSource } from './person-consent-source';
import {
  maintainCareRelationships,
  rebuildRelationships,
  relationshipsFor,
} from './relationships/care-relationships';
import { CONSENT_SCHEMA } from './schema';
import { factsOf } from './facts';
import { validatePatientConsent } from './privacy-consent';
import type { AgencyKind, PatientConsents, ResourceFacts } from './types';

const INS = '275034412345657'; // a valid NIR with its key
/** The agencies the spec asks for: registered, each referred the patient by the GP. */
const AGENCY_KINDS: Record<string, AgencyKind> = {
  'gp-durand': 'gp',
  'gp-bernard': 'gp',
  'chu-nantes': 'hospital',
  'chu-rennes': 'hospital',
  'chu-lyon': 'hospital',
  'psy-martin': 'specialist',
  ...Object.fromEntries('abcdefghi'.split('').map((x) => [`cardio-${x}`, 'specialist' as const])),
};

const gp: Actor = { agency: 'gp-durand', requestId: 'test' };
const hospital: Actor = { agency: 'chu-nantes', requestId: 'test' };

/** Each engine with each source: the hub's one-statement lookup must find what the search finds. */
const CASES = STORE_KINDS.flatMap((kind) => [[kind, 'search'] as const, [kind, 'consent_lookup'] as const]);

describe.each(CASES)('ConsentService on %s, consents read by %s', (kind, sourceKind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let index: PatientIndex;
  let source: ConsentSource;
  let service: ConsentService;
  let gpPatient: string;
  let hospitalPatient: string;
  let observation: ResourceFacts;
  const manager = () => opened.dataSource.manager;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA] });
    index = new PatientIndex(opened.dataSource);
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 2, // small pages: reading consents must follow every page
      afterWrite: [index.linkWrittenPatients, maintainCareRelationships],
    });
    for (const [id, kind] of Object.entries(AGENCY_KINDS)) await insertAgencyRow(manager(), id, kind);
    source =
      sourceKind === 'search'
        ? new StoreConsentSource(repo, (tx, id) => index.linkedPatients(tx, id))
        : new PersonConsentSource(repo);
    service = new ConsentService(source, { model: 'implied', breakGlass: 'forbidden' });

    // The same human at a GP practice and at a hospital: one qualified INS, two linked records.
    const person = (agency: string): Patient => ({
      resourceType: 'Patient',
      extension: [qualifiedInsExtension()],
      identifier: [
        { system: `https://${agency}.example/mrn`, value: 'm1' },
        { system: INS_SYSTEM, value: INS },
      ],
      name: [{ use: 'official', family: 'Morel', given: ['Lucie'] }],
      birthDate: '1975-03-04',
      gender: 'female',
    });
    gpPatient = (await repo.create(gp, 'Patient', person('gp-durand'))).stored.id;
    hospitalPatient = (await repo.create(hospital, 'Patient', person('chu-nantes'))).stored.id;
    await referToAll(gpPatient);
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
      subject: { reference: `Patient/${gpPatient}` },
      effectiveDateTime: '2025-02-01',
    };
    const created = await repo.create(gp, 'Observation', obs);
    observation = factsOf(await repo.internal.read('Observation', created.stored.id));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  /** What an agency records on the patient's behalf (checked as the hub will check it). */
  async function record(consent: Consent, by: Actor): Promise<Consent> {
    expect(validatePatientConsent(consent)).toEqual([]);
    return parseStored<Consent>((await repo.create(by, 'Consent', consent)).stored);
  }
  const objection = (patientId: string, agency: string) => {
    const { id: _id, ...consent } = privacyConsent(
      { type: 'deny', actor: [org(agency)] },
      { patient: { reference: `Patient/${patientId}` }, performer: [{ reference: `Patient/${patientId}` }] },
    );
    return consent;
  };
  /** The GP refers the patient to every other agency of the spec: each has a care relationship. */
  async function referToAll(patientId: string): Promise<void> {
    await repo.create(gp, 'ServiceRequest', {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patientId}` },
      performer: Object.keys(AGENCY_KINDS)
        .filter((a) => a !== gp.agency)
        .map((a) => ({ reference: `Organization/${a}` })),
    });
  }
  const decideFor = async (agency: string) =>
    (await service.decideAll(manager(), asker(agency, 'TREAT'), [observation]))[0];

  it('takes the facts of a stored row: source agency, compartment, data period', () => {
    expect(observation).toMatchObject({
      type: 'Observation',
      sourceAgency: 'gp-durand',
      patientId: gpPatient,
    });
    expect(observation.dataPeriod).toEqual({ lo: Date.parse('2025-02-01'), hi: Date.parse('2025-02-02') });
  });

  it("finds a consent stored about the data's own patient record", async () => {
    expect(await decideFor('chu-rennes')).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
    await record(objection(gpPatient, 'chu-rennes'), gp);
    expect(await decideFor('chu-rennes')).toEqual({ permit: false, basis: 'consent-deny' });
    expect(await decideFor('psy-martin')).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
  });

  it('finds a consent stored about a linked record of the same person, and revokes it at once', async () => {
    const stored = await record(objection(hospitalPatient, 'psy-martin'), hospital);
    const read = await source.consentsFor(manager(), gpPatient);
    expect(read.patientIds).toEqual(expect.arrayContaining([gpPatient, hospitalPatient]));
    expect(await decideFor('psy-martin')).toEqual({ permit: false, basis: 'consent-deny' });

    await repo.update(hospital, 'Consent', stored.id!, { ...stored, status: 'inactive' });
    expect(await decideFor('psy-martin')).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
  });

  it('reads every page of consents, and absolute references to this hub as local ones', async () => {
    for (const agency of ['cardio-a', 'cardio-b', 'cardio-c']) await record(objection(gpPatient, agency), gp);
    const absolute = objection(gpPatient, 'cardio-d');
    absolute.provision!.actor![0].reference = { reference: 'https://hub.example/fhir/Organization/cardio-d' };
    await repo.create(gp, 'Consent', absolute);
    for (const agency of ['cardio-a', 'cardio-c', 'cardio-d'])
      expect(await decideFor(agency)).toEqual({ permit: false, basis: 'consent-deny' });
  });

  it('reads consents once per patient per call, and again on the next call', async () => {
    const calls: string[] = [];
    const counting: ConsentSource = {
      consentsFor: (tx: Db, id: string): Promise<PatientConsents> => {
        calls.push(id);
        return source.consentsFor(tx, id);
      },
    };
    const counted = new ConsentService(counting, service.policy);
    const others: ResourceFacts[] = [observation, { ...observation, id: 'other' }];
    await counted.decideAll(manager(), asker('chu-rennes', 'TREAT'), others);
    await counted.decideAll(manager(), asker('gp-durand', 'TREAT'), others); // own data: nothing to read
    await counted.decideAll(manager(), asker('chu-rennes'), others); // no purpose: nothing to read
    await counted.decideAll(manager(), asker('chu-rennes', 'TREAT'), [observation]);
    expect(calls).toEqual([gpPatient, gpPatient]);
  });

  it('decides on facts of several patients as it decides on each alone, reading them together when it can', async () => {
    const other = (
      await repo.create(gp, 'Patient', {
        resourceType: 'Patient',
        identifier: [{ system: 'https://gp-durand.example/mrn', value: 'm2' }],
        name: [{ family: 'Roux', given: ['Paul'] }],
        birthDate: '1980-01-01',
      })
    ).stored.id;
    await referToAll(other);
    await record(objection(other, 'chu-lyon'), gp);
    const facts: ResourceFacts[] = [observation, { ...observation, id: 'x', patientId: other }];
    const bulk: string[][] = [];
    const single: string[] = [];
    const counting: ConsentSource = {
      consentsFor: (tx, id) => {
        single.push(id);
        return source.consentsFor(tx, id);
      },
      ...(source.consentsForMany
        ? {
            consentsForMany: (tx: Db, ids: readonly string[]) => {
              bulk.push([...ids]);
              return source.consentsForMany!(tx, ids);
            },
          }
        : {}),
    };
    const counted = new ConsentService(counting, service.policy);
    for (const agency of ['chu-lyon', 'chu-rennes']) {
      const together = await counted.decideAll(manager(), asker(agency, 'TREAT'), facts);
      const alone = [];
      for (const f of facts) alone.push((await service.decideAll(manager(), asker(agency, 'TREAT'), [f]))[0]);
      expect(together).toEqual(alone);
    }
    expect(
      (await counted.decideAll(manager(), asker('chu-lyon', 'TREAT'), facts)).map((d) => d.permit),
    ).toEqual([true, false]);
    if (sourceKind === 'consent_lookup') {
      expect(bulk).toEqual([
        [gpPatient, other],
        [gpPatient, other],
        [gpPatient, other],
      ]);
      expect(single).toEqual([]);
    } else {
      expect(single).toEqual([gpPatient, other, gpPatient, other, gpPatient, other]);
    }
  });

  it('holds a revocation, an edit and a deletion made elsewhere for the very next decision', async () => {
    // A second hub process on the same database, its cache warm: it must still see each change.
    const elsewhere = new ConsentService(
      sourceKind === 'search'
        ? new StoreConsentSource(repo, (tx, id) => index.linkedPatients(tx, id))
        : new PersonConsentSource(repo, { cacheSize: 2 }),
      service.policy,
    );
    const decideElsewhere = async (agency: string) =>
      (await elsewhere.decideAll(manager(), asker(agency, 'TREAT'), [observation]))[0];
    const stored = await record(objection(gpPatient, 'cardio-e'), gp);
    expect(await decideElsewhere('cardio-e')).toEqual({ permit: false, basis: 'consent-deny' });
    // A new version naming another agency: the old version's parsed copy must not be used.
    const edited = (
      await repo.update(gp, 'Consent', stored.id!, { ...objection(gpPatient, 'cardio-f'), id: stored.id })
    ).stored;
    expect(await decideElsewhere('cardio-e')).toEqual({
      permit: true,
      breakGlass: false,
      basis: 'base-implied',
    });
    expect(await decideElsewhere('cardio-f')).toEqual({ permit: false, basis: 'consent-deny' });
    await repo.update(gp, 'Consent', stored.id!, { ...parseStored<Consent>(edited), status: 'inactive' });
    expect(await decideElsewhere('cardio-f')).toEqual({
      permit: true,
      breakGlass: false,
      basis: 'base-implied',
    });
    const again = await record(objection(gpPatient, 'cardio-g'), gp);
    expect(await decideElsewhere('cardio-g')).toEqual({ permit: false, basis: 'consent-deny' });
    await repo.delete(gp, 'Consent', again.id!);
    expect(await decideElsewhere('cardio-g')).toEqual({
      permit: true,
      breakGlass: false,
      basis: 'base-implied',
    });
  });

  it('ignores a Consent of another scope stored under the patient', async () => {
    const treatment = objection(gpPatient, 'cardio-h');
    treatment.scope = {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }],
    };
    await repo.create(gp, 'Consent', treatment);
    const read = await source.consentsFor(manager(), gpPatient);
    expect(read.consents.some((c) => JSON.stringify(c).includes('cardio-h'))).toBe(false);
    expect(await decideFor('cardio-h')).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
  });

  it('reads a row and decides on it in one statement, as reading then deciding does', async () => {
    if (sourceKind === 'search') {
      expect(
        await service.readAndDecide(manager(), asker('chu-rennes', 'TREAT'), 'Observation', observation.id),
      ).toBe(undefined);
      return;
    }
    await record(objection(hospitalPatient, 'cardio-i'), hospital); // on the linked record
    const org = await repo.create(gp, 'Organization', { resourceType: 'Organization', name: 'Cabinet' });
    await insertAgencyRow(manager(), 'derm-none', 'specialist');
    const cases: [string, 'Observation' | 'Organization', string][] = [
      ['cardio-i', 'Observation', observation.id], // the linked record's objection
      ['chu-rennes', 'Observation', observation.id],
      ['derm-none', 'Observation', observation.id], // no care relationship
      ['gp-durand', 'Observation', observation.id], // own data: no consent read
      ['cardio-i', 'Organization', org.stored.id], // directory data
    ];
    for (const [agency, type, id] of cases) {
      const decided = await service.readAndDecide(manager(), asker(agency, 'TREAT'), type, id);
      const stored = await repo.internal.current(type, id);
      expect(decided?.stored).toEqual(stored);
      expect(decided?.decision).toEqual(
        (await service.decideAll(manager(), asker(agency, 'TREAT'), [factsOf(stored!)]))[0],
      );
    }
    const read = async (agency: string, id: string) =>
      service.readAndDecide(manager(), asker(agency, 'TREAT'), 'Observation', id);
    const denied = (basis: string) => ({ permit: false, basis });
    expect((await read('cardio-i', observation.id))?.decision).toEqual(denied('consent-deny'));
    expect((await read('derm-none', observation.id))?.decision).toEqual(denied('no-care-relationship'));
    expect(await read('cardio-i', 'missing')).toEqual({});
    expect(await read('cardio-i', 'not/an/id')).toEqual({});
  });

  it('sees a consent written in the same transaction, on that transaction', async () => {
    await repo.transaction(async (tx) => {
      const pending = await repo.prepareWrite(
        tx,
        gp,
        'Consent',
        'in-tx',
        { ...objection(gpPatient, 'gp-bernard'), id: 'in-tx' },
        {},
      );
      await repo.commitAll(tx, gp, [pending]);
      const [decision] = await service.decideAll(tx, asker('gp-bernard', 'TREAT'), [observation]);
      expect(decision).toEqual({ permit: false, basis: 'consent-deny' });
    });
  });

  it('reads care relationships with the consents: none, nothing; a referral or GP of record, the rules', async () => {
    await insertAgencyRow(manager(), 'derm-new', 'specialist');
    const decideNew = async () =>
      (await service.decideAll(manager(), asker('derm-new', 'TREAT'), [observation]))[0];
    expect(await decideNew()).toEqual({ permit: false, basis: 'no-care-relationship' });
    // A referral by the hospital, about the hospital's linked record: the person is one.
    const referral = await repo.create(hospital, 'ServiceRequest', {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${hospitalPatient}` },
      performer: [{ reference: 'Organization/derm-new' }],
    });
    expect(await decideNew()).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
    // The referral completed: the relationship ends with it, for the very next decision.
    await repo.update(hospital, 'ServiceRequest', referral.stored.id, {
      ...parseStored(referral.stored),
      status: 'completed',
    });
    expect(await decideNew()).toEqual({ permit: false, basis: 'no-care-relationship' });
    // Named GP of record by identifier, on the GP practice's own record of the person.
    await manager().query(`UPDATE agency SET organization = $2 WHERE id = $1`, [
      'derm-new',
      JSON.stringify({
        resourceType: 'Organization',
        identifier: [{ system: 'urn:test:finess', value: 'F1' }],
      }),
    ]);
    const record = parseStored<Patient>(await repo.internal.read('Patient', gpPatient));
    await repo.update(gp, 'Patient', gpPatient, {
      ...record,
      generalPractitioner: [{ identifier: { system: 'urn:test:finess', value: 'F1' } }],
    });
    expect(await decideNew()).toEqual({ permit: true, breakGlass: false, basis: 'base-implied' });
    expect(
      (await relationshipsFor(manager(), [gpPatient, hospitalPatient])).filter(
        (r) => r.agency === 'derm-new',
      ),
    ).toEqual([
      expect.objectContaining({ basis: 'gp-of-record', sourceType: 'Patient', sourceId: gpPatient }),
    ]);
    await repo.update(gp, 'Patient', gpPatient, record);
    expect(await decideNew()).toEqual({ permit: false, basis: 'no-care-relationship' });
  });

  it('derives the same relationships again from what is stored', async () => {
    const before = await manager().query(
      'SELECT patient_id, agency, basis, source_type, source_id FROM care_relationship ORDER BY 1, 2, 3, 4, 5',
    );
    await manager().query('DELETE FROM care_relationship');
    expect(await rebuildRelationships(manager(), 2)).toBe(before.length);
    expect(
      await manager().query(
        'SELECT patient_id, agency, basis, source_type, source_id FROM care_relationship ORDER BY 1, 2, 3, 4, 5',
      ),
    ).toEqual(before);
  });
});
