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
const CURSOR = 'https://passerelle.health/fhir/StructureDefinition/changes-cursor';
type Agent = ReturnType<typeof request.agent>;

const cursorOf = (b: Bundle) => b.meta?.extension?.find((e) => e.url === CURSOR)?.valueString;

function patient(system: string, value: string, nhs: string, gp?: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { system, value },
      // Traced and verified: what lets the NHS number link the records.
      { system: NHS, value: nhs, extension: [verifiedNhsNumberExtension()] },
    ],
    name: [{ family: 'Martin', given: ['Claire'] }],
    birthDate: '1971-04-02',
    ...(gp ? { generalPractitioner: [{ reference: `Organization/${gp}` }] } : {}),
  };
}

function encounter(value: string, patientId: string): Encounter {
  return {
    resourceType: 'Encounter',
    identifier: [{ system: 'https://chu.example/enc', value }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: `Patient/${patientId}` },
    period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
  };
}

/** Reads the feed until `predicate` holds on everything read so far (routing is asynchronous). */
async function readFeedUntil(
  agent: Agent,
  predicate: (entries: BundleEntry[]) => boolean,
  since = '0',
): Promise<{ entries: BundleEntry[]; cursor: string }> {
  const entries: BundleEntry[] = [];
  let cursor = since;
  for (let i = 0; i < 200; i++) {
    const res = await agent.get(`/fhir/$changes?_since=${cursor}`).expect(200);
    const bundle = res.body as Bundle;
    entries.push(...(bundle.entry ?? []));
    cursor = cursorOf(bundle) ?? cursor;
    if (predicate(entries)) return { entries, cursor };
    await new Promise((r) => setTimeout(r, 50));
  }
  return { entries, cursor };
}

describe.each(STORE_KINDS)('routing and the $changes feed on %s', (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let other: Agent;
  let hospitalPatient: string;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const create = async (agent: Agent, resource: Resource) =>
    (
      await agent
        .post(`/fhir/${resource.resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(resource)
        .expect(201)
    ).body as { id: string };

  beforeAll(async () => {
    hub = await startTestHub(kind, { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
    other = as(await (await registerAgency(hub, { id: 'clinique', kind: 'specialist' })).token());
    await create(gp, patient('https://cabinet.example/pid', 'G-1', '9434765919', 'cabinet'));
    hospitalPatient = (
      await create(hospital, patient('https://chu.example/mrn', 'H-1', '9434765919', 'cabinet'))
    ).id;
  });

  afterAll(() => hub?.close());

  it('delivers a hospital encounter to the GP of record, referencing the GP its own patient record', async () => {
    const enc = await create(hospital, encounter('E-1', hospitalPatient));
    const { entries, cursor } = await readFeedUntil(gp, (e) => e.some((x) => x.resource?.id === enc.id));
    const delivered = entries.find((x) => x.resource?.id === enc.id)?.resource as Encounter;
    expect(delivered.identifier?.[0]).toEqual({ system: 'https://chu.example/enc', value: 'E-1' });
    // The GP resolves the subject in its own system, by its own identifier for the person.
    expect(delivered.subject?.reference).toBe(
      `Patient?identifier=${encodeURIComponent('https://cabinet.example/pid')}|G-1`,
    );

    // Nobody else receives it, and the source does not receive its own data back.
    expect((await other.get('/fhir/$changes').expect(200)).body.entry ?? []).toEqual([]);
    expect(((await hospital.get('/fhir/$changes').expect(200)).body as Bundle).entry ?? []).toEqual([]);

    const ack = await gp
      .post('/fhir/$changes')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Parameters', parameter: [{ name: 'cursor', valueString: cursor }] })
      .expect(200);
    expect(ack.body.parameter).toContainEqual({ name: 'acknowledged', valueInteger: expect.any(Number) });
    const after = (await gp.get(`/fhir/$changes?_since=${cursor}`).expect(200)).body as Bundle;
    expect(after.entry ?? []).toEqual([]);
    expect(cursorOf(after)).toBe(cursor);
  });

  it('does not deliver, and audits the denial, once the patient objected to sharing with the GP', async () => {
    const db = hub.app.get(DataSource);
    const deniedRoutes = async () => {
      await auditCaughtUp(db);
      return Number(
        (
          await db.query(
            `SELECT count(*) AS n FROM audit_trail
              WHERE agency = 'hub' AND patient_id = $1 AND outcome = '4' AND content::text LIKE '%route%'
                AND content->'entity' @> '[{"detail": [{"type": "recipient", "valueString": "cabinet"}]}]'`,
            [hospitalPatient],
          )
        )[0].n,
      );
    };
    await create(
      hospital,
      privacyConsent(hospitalPatient, 'chu', { type: 'deny', actor: [actor('cabinet')] }),
    );
    const { cursor: before } = await readFeedUntil(gp, () => true);
    const deniedBefore = await deniedRoutes();

    const enc = await create(hospital, encounter('E-2', hospitalPatient));
    for (let i = 0; i < 200; i++) {
      const [row] = await db.query('SELECT routed_at FROM sync_outbox WHERE resource_id = $1', [enc.id]);
      if (row?.routed_at) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const feed = (await gp.get(`/fhir/$changes?_since=${before}`).expect(200)).body as Bundle;
    expect((feed.entry ?? []).map((e) => e.resource?.id)).not.toContain(enc.id);
    expect(await deniedRoutes()).toBe(deniedBefore + 1);
  });

  it('answers a bad cursor with an OperationOutcome', async () => {
    const res = await gp.get('/fhir/$changes?_since=abc').expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
    await gp
      .post('/fhir/$changes')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Parameters' })
      .expect(400);
  });
});
