import type { Bundle, BundleEntry, Encounter, Patient, Resource } from 'fhir/r4';
import { verifiedNhsNumberExtension } from '@passerelle/identity';
import {
  actor,
  privacyConsent,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  type TestHub,
  auditCaughtUp,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const ENC = 'https://chu.example/enc';
const CURSOR = 'https://passerelle.health/fhir/StructureDefinition/changes-cursor';
type Agent = ReturnType<typeof request.agent>;

const cursorOf = (b: Bundle) => b.meta?.extension?.find((e) => e.url === CURSOR)?.valueString;
const byIdentifier = (value: string) => `Encounter?identifier=${encodeURIComponent(ENC)}|${value}`;

function patient(system: string, value: string, nhs: string, gp?: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { system, value },
      { system: NHS, value: nhs, extension: [verifiedNhsNumberExtension()] },
    ],
    name: [{ family: 'Martin', given: ['Claire'] }],
    birthDate: '1971-04-02',
    ...(gp ? { generalPractitioner: [{ reference: `Organization/${gp}` }] } : {}),
  };
}

function encounter(value: string, patientId: string, status: Encounter['status'] = 'finished'): Encounter {
  return {
    resourceType: 'Encounter',
    identifier: [{ system: ENC, value }],
    status,
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
  };
}

/** The feed from `since` once every outbox row is routed (routing is asynchronous). */
async function settledFeed(
  hub: TestHub,
  agent: Agent,
  since: string,
): Promise<{ entries: BundleEntry[]; cursor: string }> {
  const db = hub.app.get(DataSource);
  for (let i = 0; i < 400; i++) {
    const [row] = await db.query('SELECT count(*) AS n FROM sync_outbox WHERE routed_at IS NULL');
    if (Number(row.n) === 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const bundle = (await agent.get(`/fhir/$changes?_since=${since}&_count=500`).expect(200)).body as Bundle;
  return { entries: bundle.entry ?? [], cursor: cursorOf(bundle) ?? since };
}

describe.each(STORE_KINDS)('deletions travel through the hub on %s', (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let other: Agent;
  let hospitalPatient: string;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const put = async (agent: Agent, resource: Encounter) =>
    (
      await agent
        .put(`/fhir/${byIdentifier(resource.identifier![0].value!)}`)
        .set('content-type', FHIR_JSON)
        .send(resource)
        .expect((res) => expect([200, 201]).toContain(res.status))
    ).body as Resource & { id: string };
  const cursorNow = async () => (await settledFeed(hub, gp, '0')).cursor;

  beforeAll(async () => {
    hub = await startTestHub(kind, { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
    other = as(await (await registerAgency(hub, { id: 'clinique', kind: 'specialist' })).token());
    await gp
      .post('/fhir/Patient')
      .set('content-type', FHIR_JSON)
      .send(patient('https://cabinet.example/pid', 'G-1', '9434765919', 'cabinet'))
      .expect(201);
    hospitalPatient = (
      await hospital
        .post('/fhir/Patient')
        .set('content-type', FHIR_JSON)
        .send(patient('https://chu.example/mrn', 'H-1', '9434765919', 'cabinet'))
        .expect(201)
    ).body.id;
  });

  afterAll(() => hub?.close());

  it('routes a conditional delete by identifier to the GP as a tombstone naming the identifier', async () => {
    const since = await cursorNow();
    const enc = await put(hospital, encounter('D-1', hospitalPatient));
    const res = await hospital.delete(`/fhir/${byIdentifier('D-1')}`).expect(200);
    expect(res.body.issue[0].diagnostics).toBe('Deleted');
    await hospital.get(`/fhir/Encounter/${enc.id}`).expect(410);

    const { entries } = await settledFeed(hub, gp, since);
    // The update routed before the deletion is read as the deletion: nothing resurrects.
    const mine = entries.filter((e) => e.fullUrl?.endsWith(`/Encounter/${enc.id}`));
    expect(mine.length).toBeGreaterThan(0);
    for (const e of mine) {
      expect(e.request).toEqual({ method: 'DELETE', url: byIdentifier('D-1') });
      expect(e.resource).toBeUndefined();
    }
    // The source is not sent its own deletion; nobody else was sent the record.
    expect(((await settledFeed(hub, hospital, '0')).entries ?? []).length).toBe(0);
    expect((await settledFeed(hub, other, '0')).entries).toEqual([]);

    // The disclosure of the tombstone is audited for the GP.
    const db = hub.app.get(DataSource);
    await auditCaughtUp(db);
    const [audited] = await db.query(
      `SELECT count(*) AS n FROM audit_trail WHERE agency = 'cabinet' AND patient_id = $1
          AND content::text LIKE '%changes%'`,
      [hospitalPatient],
    );
    expect(Number(audited.n)).toBeGreaterThan(0);
  });

  it('lets an agency delete only what it sent', async () => {
    const enc = await put(hospital, encounter('D-2', hospitalPatient));
    // Another agency's conditional delete matches nothing of its own: nothing changes.
    const res = await other.delete(`/fhir/${byIdentifier('D-2')}`).expect(200);
    expect(res.body.issue[0].diagnostics).toMatch(/Nothing to delete/);
    await hospital.get(`/fhir/Encounter/${enc.id}`).expect(200);
    // Nor by id.
    await other
      .delete(`/fhir/Encounter/${enc.id}`)
      .expect((r) => expect(r.status).toBeGreaterThanOrEqual(400));
    await hospital.get(`/fhir/Encounter/${enc.id}`).expect(200);
    // Criteria are required, and scopes apply.
    await hospital.delete('/fhir/Encounter').expect(400);
    const reader = as(await (await registerAgency(hub, { id: 'lecteur', scopes: ['system/*.rs'] })).token());
    await reader.delete(`/fhir/${byIdentifier('D-2')}`).expect(403);
  });

  it('sends the record again when it is deleted then sent again with the same identifier', async () => {
    const since = await cursorNow();
    const first = await put(hospital, encounter('D-3', hospitalPatient));
    await hospital.delete(`/fhir/${byIdentifier('D-3')}`).expect(200);
    const second = await put(hospital, encounter('D-3', hospitalPatient, 'cancelled'));
    expect(second.id).not.toBe(first.id);
    const { entries } = await settledFeed(hub, gp, since);
    const about = entries.filter(
      (e) => e.request?.url === byIdentifier('D-3') || e.fullUrl?.endsWith(second.id),
    );
    // The withdrawn first record is not sent as a deletion of the identifier the second now holds.
    expect(about.map((e) => e.request?.method)).toEqual(['PUT']);
    expect((about[0].resource as Encounter).status).toBe('cancelled');
  });

  it('asks consent for a tombstone: a patient who objected is not disclosed, and the denial is audited', async () => {
    const enc = await put(hospital, encounter('D-4', hospitalPatient));
    const { cursor } = await settledFeed(hub, gp, '0');
    const db = hub.app.get(DataSource);
    const denials = async () => {
      await auditCaughtUp(db);
      return Number(
        (
          await db.query(
            `SELECT count(*) AS n FROM audit_trail
              WHERE agency = 'hub' AND patient_id = $1 AND outcome = '4' AND content::text LIKE '%' || $2 || '%'`,
            [hospitalPatient, enc.id],
          )
        )[0].n,
      );
    };
    await hospital
      .post('/fhir/Consent')
      .set('content-type', FHIR_JSON)
      .send(privacyConsent(hospitalPatient, 'chu', { type: 'deny', actor: [actor('cabinet')] }))
      .expect(201);
    await hospital.delete(`/fhir/${byIdentifier('D-4')}`).expect(200);
    const { entries } = await settledFeed(hub, gp, cursor);
    expect(entries.filter((e) => e.fullUrl?.endsWith(`/Encounter/${enc.id}`))).toEqual([]);
    expect(await denials()).toBe(1);
  });
});
