import type { Bundle, Observation, Organization, Patient } from 'fhir/r4';
import { getFhirSchemaValidator, isOperationOutcomeError } from '@passerelle/fhir';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { BundleProcessor } from '../bundle/bundle-processor';
import { openDatabase, type OpenDatabase } from '../data-source';
import { FhirRepository } from '../fhir-repository';
import type { Actor, StoredResource } from '../types';
import { HUB_AGENCY } from '../versions';

const hospital: Actor = { agency: 'hospital-1', requestId: 'test' };
const other: Actor = { agency: 'hospital-2', requestId: 'test' };
const hub: Actor = { agency: HUB_AGENCY, requestId: 'test' };

const observation = (subject: string, performer?: string): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'x' },
  subject: { reference: subject },
  ...(performer ? { performer: [{ reference: performer }] } : {}),
});

/**
 * The store's side of reference checks: it reads every target of a write in one statement after
 * inserting the write's versions, asks the check once, and refuses (422) whatever is missing,
 * deleted or not permitted; the hub's own writes are not checked.
 */
describe.each(STORE_KINDS)('reference checks in the store on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let repo: FhirRepository;
  /** Every call of the check: who asked about which targets. */
  const asked: { agency: string; targets: string[] }[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
    repo = new FhirRepository(opened.dataSource, {
      localBases: ['https://hub.example/fhir'],
      validator: getFhirSchemaValidator(),
      defaultCount: 20,
      maxCount: 100,
      // The rule before any consent: the writer's own data and directory data.
      references: (_db, actor, targets: readonly StoredResource[]) => {
        asked.push({ agency: actor.agency, targets: targets.map((t) => `${t.type}/${t.id}`).sort() });
        return Promise.resolve(targets.map((t) => t.sourceAgency === actor.agency || t.patientId === null));
      },
    });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });
  beforeEach(() => {
    asked.length = 0;
  });

  const failure = async (write: Promise<unknown>) => {
    try {
      await write;
    } catch (e) {
      if (isOperationOutcomeError(e)) return { status: e.status, issues: e.outcome.issue };
      throw e;
    }
    throw new Error('the write was accepted');
  };
  const patient = (): Patient => ({ resourceType: 'Patient', gender: 'other' });
  const versions = async () =>
    Number((await opened.dataSource.query('SELECT count(*) AS n FROM resource_version'))[0].n);

  it('decides on every target of a transaction in one call, its own entries included', async () => {
    const org: Organization = { resourceType: 'Organization', id: 'lab', name: 'Lab' };
    await repo.update(other, 'Organization', 'lab', org);
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:a', resource: patient(), request: { method: 'POST', url: 'Patient' } },
        ...[1, 2, 3].map((i) => ({
          resource: { ...observation('urn:uuid:a', 'Organization/lab'), id: `o${i}` },
          request: { method: 'POST' as const, url: 'Observation' },
        })),
      ],
    };
    asked.length = 0;
    const answer = await new BundleProcessor(repo, () => Promise.reject(new Error('no GET'))).process(
      hospital,
      bundle,
    );
    const patientId = answer.entry?.[0].response?.location?.split('/')[1];
    expect(asked).toEqual([{ agency: 'hospital-1', targets: ['Organization/lab', `Patient/${patientId}`] }]);
  });

  it('refuses a missing, a deleted and a hidden target alike, and writes nothing', async () => {
    const theirs = (await repo.create(other, 'Patient', patient())).stored.id;
    const gone = (await repo.create(hospital, 'Patient', patient())).stored.id;
    await repo.delete(hospital, 'Patient', gone);
    const before = await versions();
    const refusals = await Promise.all(
      ['Patient/missing', `Patient/${gone}`, `Patient/${theirs}`].map((subject) =>
        failure(repo.create(hospital, 'Observation', observation(subject))),
      ),
    );
    for (const refusal of refusals) expect(refusal).toEqual(refusals[0]);
    expect(refusals[0].status).toBe(422);
    expect(refusals[0].issues[0].expression).toEqual(['Observation.subject.reference']);
    expect(await versions()).toBe(before);
  });

  it('leaves the hub’s own writes unchecked', async () => {
    await repo.create(hub, 'Observation', observation('Patient/never-written'));
    expect(asked).toEqual([]);
  });

  it('does not ask when nothing is written (a retried write with the same content)', async () => {
    const mine = (await repo.create(hospital, 'Patient', patient())).stored.id;
    const first = await repo.update(hospital, 'Observation', 'same', {
      ...observation(`Patient/${mine}`),
      id: 'same',
    });
    expect(first.changed).toBe(true);
    asked.length = 0;
    const again = await repo.update(hospital, 'Observation', 'same', {
      ...observation(`Patient/${mine}`),
      id: 'same',
    });
    expect(again.changed).toBe(false);
    expect(asked).toEqual([]);
  });
});
