import type { Bundle, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://hospital.example.org/mrn';
const WRITES = "('create', 'update', 'delete', 'transaction', 'batch')";
/** A log record's interaction (the log holds the canonical JSON only; docs/audit.md). */
const INTERACTION = (content: string) =>
  `(jsonb_path_query_first(${content}::jsonb, '$.subtype[*] ? (@.system == "http://hl7.org/fhir/restful-interaction")') ->> 'code')`;

const patient = (mrn: string, id?: string): Patient => ({
  resourceType: 'Patient',
  ...(id ? { id } : {}),
  identifier: [{ system: MRN, value: mrn }],
  name: [{ family: 'Audit', given: [mrn] }],
});

/**
 * A write and its AuditEvent commit together or not at all: with the audit append made to fail
 * (a trigger on the audit log that raises for write records), every kind of write leaves nothing
 * behind — no version, no outbox row, no audit record — and the caller is told it failed.
 */
describe.each(STORE_KINDS)('writes and their audit records commit together on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  let db: DataSource;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'hospital-wa' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
    db = hub.app.get(DataSource);
    await db.query(`
      CREATE FUNCTION refuse_write_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit append refused by the test';
      END $$`);
  });
  afterAll(() => hub.close());

  const failAudit = () =>
    db.query(`
      CREATE TRIGGER refuse_write_audit BEFORE INSERT ON audit_log FOR EACH ROW
      WHEN (${INTERACTION('NEW.content')} IN ${WRITES}) EXECUTE FUNCTION refuse_write_audit()`);
  const restoreAudit = () => db.query('DROP TRIGGER IF EXISTS refuse_write_audit ON audit_log');
  afterEach(restoreAudit);

  const counts = async () => {
    const [row] = await db.query<{ versions: number; resources: number; outbox: number; audited: number }[]>(`
      SELECT (SELECT count(*) FROM resource_version)::int AS versions,
             (SELECT count(*) FROM resource)::int AS resources,
             (SELECT count(*) FROM sync_outbox)::int AS outbox,
             (SELECT count(*) FROM audit_log WHERE ${INTERACTION('content')} IN ${WRITES})::int AS audited`);
    return row;
  };

  /** Runs `write` with the audit failing: it must fail, and change nothing. */
  const refused = async (write: () => request.Test) => {
    const before = await counts();
    await failAudit();
    const res = await write();
    await restoreAudit();
    expect(res.status).toBe(500);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(JSON.stringify(res.body)).not.toContain('refused by the test');
    expect(await counts()).toEqual(before);
  };

  const create = async (mrn: string): Promise<Patient> =>
    (await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(patient(mrn)).expect(201))
      .body as Patient;

  it('a successful write commits its audit record with it', async () => {
    const before = await counts();
    await create('WA-0');
    expect(await counts()).toEqual({
      versions: before.versions + 1,
      resources: before.resources + 1,
      outbox: before.outbox + 1,
      audited: before.audited + 1,
    });
  });

  it('create', async () => {
    await refused(() => api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(patient('WA-1')));
    const found = await api.get(`/fhir/Patient?identifier=${MRN}|WA-1`).expect(200);
    expect(found.body.total).toBe(0);
  });

  it('update', async () => {
    const stored = await create('WA-2');
    await refused(() =>
      api
        .put(`/fhir/Patient/${stored.id}`)
        .set('content-type', FHIR_JSON)
        .send({ ...patient('WA-2', stored.id), gender: 'female' }),
    );
    const read = await api.get(`/fhir/Patient/${stored.id}`).expect(200);
    expect(read.body.meta.versionId).toBe('1');
    expect(read.body.gender).toBeUndefined();
  });

  it('conditional update, as a creation and as an update', async () => {
    await refused(() =>
      api.put(`/fhir/Patient?identifier=${MRN}|WA-3`).set('content-type', FHIR_JSON).send(patient('WA-3')),
    );
    const stored = await create('WA-4');
    await refused(() =>
      api
        .put(`/fhir/Patient?identifier=${MRN}|WA-4`)
        .set('content-type', FHIR_JSON)
        .send({ ...patient('WA-4'), gender: 'male' }),
    );
    expect((await api.get(`/fhir/Patient/${stored.id}`).expect(200)).body.meta.versionId).toBe('1');
  });

  it('delete', async () => {
    const stored = await create('WA-5');
    await refused(() => api.delete(`/fhir/Patient/${stored.id}`));
    await api.get(`/fhir/Patient/${stored.id}`).expect(200);
  });

  it.each(['transaction', 'batch'] as const)('%s', async (type) => {
    const stored = await create(`WA-6-${type}`);
    const bundle: Bundle<Patient> = {
      resourceType: 'Bundle',
      type,
      entry: [
        { resource: patient(`WA-7-${type}`), request: { method: 'POST', url: 'Patient' } },
        {
          resource: { ...patient(`WA-6-${type}`, stored.id), gender: 'other' },
          request: { method: 'PUT', url: `Patient/${stored.id}` },
        },
      ],
    };
    await refused(() => api.post('/fhir').set('content-type', FHIR_JSON).send(bundle));
    expect((await api.get(`/fhir/Patient/${stored.id}`).expect(200)).body.meta.versionId).toBe('1');
    // Sent again with the audit working, it is written once, as if never sent before.
    const res = await api.post('/fhir').set('content-type', FHIR_JSON).send(bundle).expect(200);
    expect(res.body.entry.map((e: { response: { status: string } }) => e.response.status)).toEqual([
      '201 Created',
      '200 OK',
    ]);
  });
});
