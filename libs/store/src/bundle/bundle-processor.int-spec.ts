import type { Bundle, BundleEntry, Observation, Patient, Resource } from 'fhir/r4';
import { getFhirSchemaValidator, isOperationOutcomeError } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from '../data-source';
import { FhirRepository } from '../fhir-repository';
import type { Actor } from '../types';
import { BundleProcessor } from './bundle-processor';

/**
 * Transactions of many conditional updates, as connectors push them: criteria and conditional
 * references are resolved together (one query per type), so these cases check that the answers
 * are those of one search per entry.
 */

const hospital: Actor = { agency: 'hospital-1', requestId: 'test' };
const other: Actor = { agency: 'hospital-2', requestId: 'test' };
const MRN = 'https://hospital.example.org/mrn';
const OBS = 'https://hospital.example.org/obs';

const patient = (value: string, family = 'Martin'): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: MRN, value }],
  name: [{ family }],
});

const observation = (
  value: string,
  patientRef: string,
  status: Observation['status'] = 'final',
): Observation => ({
  resourceType: 'Observation',
  identifier: [{ system: OBS, value }],
  status,
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
  subject: { reference: patientRef },
});

const put = (resource: Resource & { identifier?: { system?: string; value?: string }[] }): BundleEntry => {
  const id = resource.identifier?.[0];
  return {
    fullUrl: `urn:uuid:${crypto.randomUUID()}`,
    resource,
    request: { method: 'PUT', url: `${resource.resourceType}?identifier=${id?.system}|${id?.value}` },
  };
};

const transaction = (entry: BundleEntry[]): Bundle => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry,
});

describe.each(STORE_KINDS)('BundleProcessor transactions of conditional updates on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  let processor: BundleProcessor;

  const run = (actor: Actor, bundle: Bundle) => processor.process(actor, bundle);
  const statuses = (b: Bundle) => (b.entry ?? []).map((e) => e.response?.status);
  const versions = async () =>
    Number((await opened.dataSource.query('SELECT count(*) AS n FROM resource_version'))[0].n);
  const refused = async (actor: Actor, bundle: Bundle) => {
    try {
      await run(actor, bundle);
    } catch (e) {
      if (isOperationOutcomeError(e)) return { status: e.status, text: e.outcome.issue[0]?.diagnostics };
      throw e;
    }
    throw new Error('the transaction was accepted');
  };

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
    });
    processor = new BundleProcessor(repo, () => Promise.reject(new Error('no GET in these tests')));
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('creates what is new, updates what matches, and a retried push writes nothing', async () => {
    const first = await run(
      hospital,
      transaction(Array.from({ length: 30 }, (_, i) => put(patient(`p${i}`)))),
    );
    expect(statuses(first)).toEqual(Array(30).fill('201 Created'));
    // Half of the page changed, half new; the references point at the Bundle's own entries and stored ones.
    const second = transaction([
      ...Array.from({ length: 60 }, (_, i) => put(patient(`p${i}`, i < 15 ? 'Changed' : 'Martin'))),
      ...Array.from({ length: 60 }, (_, i) => put(observation(`o${i}`, `Patient?identifier=${MRN}|p${i}`))),
    ]);
    const answer = await run(hospital, second);
    expect(statuses(answer)).toEqual([
      ...Array(30).fill('200 OK'),
      ...Array(30).fill('201 Created'),
      ...Array(60).fill('201 Created'),
    ]);
    const locations = (answer.entry ?? []).map((e) => e.response?.location ?? '');
    expect(locations.slice(0, 15).every((l) => l.endsWith('/_history/2'))).toBe(true);
    expect(locations.slice(15, 30).every((l) => l.endsWith('/_history/1'))).toBe(true);
    const obs = await repo.internal.read('Observation', locations[60 + 42].split('/')[1]);
    const subject = (JSON.parse(obs.json ?? '{}') as Observation).subject?.reference;
    expect(subject).toBe(`Patient/${locations[42].split('/')[1]}`);

    const before = await versions();
    const again = await run(hospital, second);
    expect(statuses(again)).toEqual(Array(120).fill('200 OK'));
    // The same versions answered: nothing new was written.
    expect((again.entry ?? []).map((e) => e.response?.location)).toEqual(locations);
    expect(await versions()).toBe(before);
  });

  it('refuses criteria or a conditional reference that match several resources', async () => {
    await repo.create(hospital, 'Patient', patient('twin'));
    await repo.create(hospital, 'Patient', patient('twin'));
    const update = await refused(hospital, transaction([put(patient('twin'))]));
    expect(update.status).toBe(412);
    const reference = await refused(
      hospital,
      transaction([put(observation('twin-obs', `Patient?identifier=${MRN}|twin`))]),
    );
    expect(reference.status).toBe(412);
    expect(reference.text).toMatch(/more than one/);
    // Criteria matching very many (any value of the system) are refused the same way.
    const broad = await refused(
      hospital,
      transaction([put(observation('broad', `Patient?identifier=${MRN}|`))]),
    );
    expect(broad.status).toBe(412);
  });

  it('fails the whole transaction on a conditional reference that matches nothing', async () => {
    const before = await versions();
    const missing = await refused(
      hospital,
      transaction([put(patient('alone')), put(observation('lost', `Patient?identifier=${MRN}|nobody`))]),
    );
    expect(missing).toMatchObject({ status: 412, text: 'Conditional reference matches no resource' });
    expect(await versions()).toBe(before);
  });

  it("never matches another agency's resources, but resolves references to directory data", async () => {
    await run(other, transaction([put(patient('shared-mrn'))]));
    // hospital-1 has no Patient with this MRN: its conditional update creates its own.
    const own = await run(hospital, transaction([put(patient('shared-mrn'))]));
    expect(statuses(own)).toEqual(['201 Created']);
    const [org] =
      (
        await run(
          other,
          transaction([
            put({
              resourceType: 'Organization',
              identifier: [{ system: 'urn:finess', value: '123' }],
              name: 'Clinic',
            } as Resource),
          ]),
        )
      ).entry ?? [];
    const obs: Observation = {
      ...observation('with-performer', `Patient?identifier=${MRN}|shared-mrn`),
      performer: [{ reference: 'Organization?identifier=urn:finess|123' }],
    };
    const answer = await run(hospital, transaction([put(obs)]));
    const stored = await repo.internal.read(
      'Observation',
      answer.entry?.[0]?.response?.location?.split('/')[1] ?? '',
    );
    const written = JSON.parse(stored.json ?? '{}') as Observation;
    expect(written.performer?.[0]?.reference).toBe(org.response?.location?.split('/_history')[0]);
    expect(written.subject?.reference).toBe(own.entry?.[0]?.response?.location?.split('/_history')[0]);
  });

  it('resolves criteria that are not identifier tokens one by one, with the same answers', async () => {
    const created = await run(hospital, transaction([put(patient('by-id'))]));
    const id = created.entry?.[0]?.response?.location?.split('/')[1] ?? '';
    const answer = await run(
      hospital,
      transaction([
        {
          resource: { ...patient('by-id', 'Renamed') },
          request: { method: 'PUT', url: `Patient?_id=${id}` },
        },
        put(observation('by-id-obs', `Patient?_id=${id}`)),
      ]),
    );
    expect(statuses(answer)).toEqual(['200 OK', '201 Created']);
    expect(answer.entry?.[0]?.response?.location).toBe(`Patient/${id}/_history/2`);
  });

  it('makes one resource when two transactions create on the same criteria at once', async () => {
    const bundle = () => transaction([put(patient('race-1')), put(patient('race-2'))]);
    const results = await Promise.allSettled([run(hospital, bundle()), run(hospital, bundle())]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(1);
    const rows: { n: string }[] = await opened.dataSource.query(
      `SELECT count(*) AS n FROM resource WHERE resource_type = 'Patient' AND $1 = ANY(tokens)`,
      [`identifier|${MRN}|race-1`],
    );
    expect(Number(rows[0].n)).toBe(1);
  });
});
