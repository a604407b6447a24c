import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Encounter, Observation, Patient, Resource } from 'fhir/r4';
import { ConfigError } from '@passerelle/config';
import { verifiedNhsNumberExtension } from '@passerelle/identity';
import {
  createTestDatabase,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

/**
 * A deployment routing by a rules file of its own (SYNC_ROUTING_RULES), through a real hub and
 * its in-process worker: hospital stays go to the specialist clinics that hold a record of the
 * person, and the GP of record receives results only. A bad file stops the hub at start.
 */

const FHIR_JSON = 'application/fhir+json';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
type Agent = ReturnType<typeof request.agent>;

const RULES = {
  version: 1,
  rules: [
    {
      name: 'stays-to-clinics',
      to: { kinds: ['specialist'] },
      types: ['Encounter'],
      from: { kinds: ['hospital'] },
    },
    { name: 'results-to-gp', to: 'gp-of-record', types: ['Observation'], from: { kinds: ['hospital'] } },
  ],
};

function patient(system: string, value: string, gp?: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { system, value },
      { system: NHS, value: '9434765919', extension: [verifiedNhsNumberExtension()] },
    ],
    name: [{ family: 'Martin', given: ['Claire'] }],
    gender: 'female',
    birthDate: '1971-04-02',
    ...(gp ? { generalPractitioner: [{ reference: `Organization/${gp}` }] } : {}),
  };
}

describe.each(STORE_KINDS)('routing by a deployment rules file on %s', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-routing-'));
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let clinic: Agent;
  let hospitalPatient: string;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const create = async (agent: Agent, resource: Resource) =>
    (
      (
        await agent
          .post(`/fhir/${resource.resourceType}`)
          .set('content-type', FHIR_JSON)
          .send(resource)
          .expect(201)
      ).body as { id: string }
    ).id;
  const feedIds = async (agent: Agent) =>
    (((await agent.get('/fhir/$changes?_since=0&_count=500').expect(200)).body as Bundle).entry ?? []).map(
      (e) => e.resource?.id,
    );
  /** Waits until the worker has routed the change (routing is asynchronous). */
  const routed = async (id: string) => {
    const db = hub.app.get(DataSource);
    for (let i = 0; i < 200; i++) {
      const [row] = await db.query<{ routed_at: Date | null }[]>(
        'SELECT routed_at FROM sync_outbox WHERE resource_id = $1',
        [id],
      );
      if (row?.routed_at) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${id} was not routed`);
  };

  beforeAll(async () => {
    const file = join(dir, 'routing.json');
    writeFileSync(file, JSON.stringify(RULES, null, 2));
    hub = await startTestHub(kind, { env: { SYNC_POLL_INTERVAL_MS: '20', SYNC_ROUTING_RULES: file } });
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
    clinic = as(await (await registerAgency(hub, { id: 'clinique', kind: 'specialist' })).token());
    await create(gp, patient('https://cabinet.example/pid', 'G-1', 'cabinet'));
    await create(clinic, patient('https://clinique.example/pid', 'S-1'));
    hospitalPatient = await create(hospital, patient('https://chu.example/mrn', 'H-1', 'cabinet'));
  });

  afterAll(async () => {
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends a hospital stay to the clinic that holds a record of the person, and not to the GP', async () => {
    const stay: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: 'https://chu.example/enc', value: 'E-1' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${hospitalPatient}` },
    };
    const id = await create(hospital, stay);
    await routed(id);
    expect(await feedIds(clinic)).toContain(id);
    // Under the default rules the GP of record would receive it; this deployment's do not say so.
    expect(await feedIds(gp)).not.toContain(id);
    const rows = await hub.app
      .get(DataSource)
      .query<{ agency_id: string; rule: string }[]>(
        'SELECT agency_id, rule FROM sync_feed WHERE resource_id = $1',
        [id],
      );
    expect(rows).toEqual([{ agency_id: 'clinique', rule: 'record-holder' }]);
  });

  it('sends the GP of record the results the file lists, and the clinic none', async () => {
    const result: Observation = {
      resourceType: 'Observation',
      identifier: [{ system: 'https://chu.example/obs', value: 'O-1' }],
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '2345-7' }] },
      subject: { reference: `Patient/${hospitalPatient}` },
      valueQuantity: { value: 5.4, unit: 'mmol/L' },
    };
    const id = await create(hospital, result);
    await routed(id);
    expect(await feedIds(gp)).toContain(id);
    expect(await feedIds(clinic)).not.toContain(id);
  });

  it('shows operators the rules in effect, and refuses a subscription no rule honours', async () => {
    const admin = request.agent(hub.url).set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);
    const shown = (await admin.get('/admin/sync/routing-rules').expect(200)).body as {
      source: string;
      rules: unknown[];
    };
    expect(shown.source).toBe(`SYNC_ROUTING_RULES ${join(dir, 'routing.json')}`);
    expect(shown.rules).toEqual([
      {
        name: 'stays-to-clinics',
        to: { kinds: ['specialist'], agencies: [] },
        types: ['Encounter'],
        from: { kinds: ['hospital'], agencies: [] },
      },
      {
        name: 'results-to-gp',
        to: 'gp-of-record',
        types: ['Observation'],
        from: { kinds: ['hospital'], agencies: [] },
      },
    ]);
    const refused = await admin
      .put('/admin/sync/subscriptions/clinique')
      .send({ resourceTypes: ['Condition'] })
      .expect(409);
    expect(refused.body.issue[0].diagnostics).toMatch(/no rule sending to "subscription"/);
  });
});

describe('a hub given a bad routing rules file', () => {
  it('does not start, and says which line of which rule is wrong', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'passerelle-routing-'));
    const database = await createTestDatabase('pglite');
    try {
      const file = join(dir, 'routing.json');
      writeFileSync(
        file,
        '{\n  "version": 1,\n  "rules": [\n    { "name": "to-gp", "to": "gp-of-record",\n      "types": ["Encounter", "Stay"] }\n  ]\n}\n',
      );
      const error = await startTestHub('pglite', { database, env: { SYNC_ROUTING_RULES: file } }).then(
        async (hub) => {
          await hub.close();
          return undefined;
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        `SYNC_ROUTING_RULES ${file} line 5, rule "to-gp": "Stay" is not a resource type the hub stores`,
      ]);
    } finally {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
