import type { Bundle, Observation, Patient } from 'fhir/r4';
import { qualifiedInsExtension } from '@passerelle/identity';
import {
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
  auditCaughtUp,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
const INS = 'urn:oid:1.2.250.1.213.1.4.8';

function patient(mrnSystem: string, mrn: string, extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: mrnSystem, value: mrn }],
    name: [{ use: 'official', family: 'Le Gall-Ménard', given: ['Maëlle'] }],
    gender: 'female',
    birthDate: '1975-03-14',
    address: [{ use: 'home', line: ['3 rue des Lilas'], postalCode: '44000', city: 'Nantes', country: 'FR' }],
    ...extra,
  };
}

function observation(patientId: string, code: string): Observation {
  return {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
  };
}

describe.each(STORE_KINDS)('patient index through the API on %s', (kind) => {
  let hub: TestHub;
  let hospital: ReturnType<typeof request.agent>;
  let gp: ReturnType<typeof request.agent>;
  const admin = (r: request.Test) =>
    r.set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`).set('x-operator', 'alice');

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const [h, g] = [
      await registerAgency(hub, { id: 'chu' }),
      await registerAgency(hub, { id: 'cabinet', kind: 'gp' }),
    ];
    hospital = request.agent(hub.url).set('authorization', `Bearer ${await h.token()}`);
    gp = request.agent(hub.url).set('authorization', `Bearer ${await g.token()}`);
  });
  afterAll(() => hub.close());

  const create = async (agent: ReturnType<typeof request.agent>, body: object) =>
    (
      await agent
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body.id as string;

  it('links two agencies’ records with the same qualified INS and resolves searches and $everything through the link', async () => {
    const ins = { system: INS, value: '275034412345657' };
    const qualified = { extension: [qualifiedInsExtension()] };
    const atHospital = await create(
      hospital,
      patient('https://chu.example/mrn', 'H1', {
        ...qualified,
        identifier: [{ system: 'https://chu.example/mrn', value: 'H1' }, ins],
      }),
    );
    const atGp = await create(
      gp,
      patient('https://cabinet.example/mrn', 'G1', {
        ...qualified,
        identifier: [{ system: 'https://cabinet.example/mrn', value: 'G1' }, ins],
      }),
    );
    await create(hospital, observation(atHospital, '8867-4'));
    await create(gp, observation(atGp, '8310-5'));

    const search = await gp.get(`/fhir/Observation?patient=${atGp}`).expect(200);
    expect((search.body as Bundle).total).toBe(2);
    const everything = await gp.get(`/fhir/Patient/${atGp}/$everything`).expect(200);
    const types = ((everything.body as Bundle).entry ?? []).map(
      (e) => `${e.resource?.resourceType}/${e.resource?.id}`,
    );
    expect(types).toEqual(expect.arrayContaining([`Patient/${atGp}`, `Patient/${atHospital}`]));
    expect(types.filter((t) => t.startsWith('Observation/'))).toHaveLength(2);

    const match = await gp
      .post('/fhir/Patient/$match')
      .set('content-type', FHIR_JSON)
      .send({
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'resource',
            resource: { ...patient('https://other.example/mrn', 'X1', qualified), identifier: [ins] },
          },
        ],
      })
      .expect(200);
    expect((match.body as Bundle).entry?.map((e) => e.resource?.id).sort()).toEqual(
      [atGp, atHospital].sort(),
    );
    expect(match.body.entry[0].search.extension[0].valueCode).toBe('certain');

    // An agency with no care relationship with the person finds no record of them, even with
    // their exact qualified identity, and its other reads say no more.
    const stranger = await registerAgency(hub, { id: 'clinique-loin', kind: 'specialist' });
    const far = request.agent(hub.url).set('authorization', `Bearer ${await stranger.token()}`);
    const none = await far
      .post('/fhir/Patient/$match')
      .set('content-type', FHIR_JSON)
      .send({
        resourceType: 'Parameters',
        parameter: [
          {
            name: 'resource',
            resource: { ...patient('https://other.example/mrn', 'X1', qualified), identifier: [ins] },
          },
        ],
      })
      .expect(200);
    expect(none.body).toEqual({ resourceType: 'Bundle', type: 'searchset', total: 0 });
    const byIdentifier = await far.get(`/fhir/Patient?identifier=${INS}|${ins.value}`).expect(200);
    expect((byIdentifier.body as Bundle).total).toBe(0);
    await far.get(`/fhir/Patient/${atGp}/$everything`).expect(404);
  });

  it('does not link the same INS on identities that are not qualified: an operator decides', async () => {
    const ins = { system: INS, value: '180022912345657' };
    const other = { name: [{ use: 'official' as const, family: 'Kerhervé', given: ['Anaïs'] }] };
    const a = await create(
      hospital,
      patient('https://chu.example/mrn', 'H3', {
        ...other,
        identifier: [{ system: 'https://chu.example/mrn', value: 'H3' }, ins],
      }),
    );
    const b = await create(
      gp,
      patient('https://cabinet.example/mrn', 'G3', {
        ...other,
        identifier: [{ system: 'https://cabinet.example/mrn', value: 'G3' }, ins],
      }),
    );
    await create(hospital, observation(a, '2339-0'));
    expect((await gp.get(`/fhir/Observation?patient=${b}&_summary=count`)).body.total).toBe(0);
    const candidates = (await admin(request(hub.url).get('/admin/mpi/candidates')).expect(200)).body as {
      patientId: string;
      matchedPatientId: string;
      rule: string;
    }[];
    expect(candidates).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ patientId: b, matchedPatientId: a, rule: 'national-id' }),
      ]),
    );
  });

  it('proposes a candidate on demographics alone; an operator confirms it, audited', async () => {
    const a = await create(
      hospital,
      patient('https://chu.example/mrn', 'H2', { name: [{ family: 'Durand', given: ['Zoé'] }] }),
    );
    const b = await create(
      gp,
      patient('https://cabinet.example/mrn', 'G2', { name: [{ family: 'DURAND', given: ['Zoe'] }] }),
    );
    expect((await gp.get(`/fhir/Observation?patient=${b}&_summary=count`)).body.total).toBe(0);
    await create(hospital, observation(a, '2339-0'));
    expect((await gp.get(`/fhir/Observation?patient=${b}&_summary=count`)).body.total).toBe(0);

    await request(hub.url).get('/admin/mpi/candidates').expect(401);
    const candidates = (await admin(request(hub.url).get('/admin/mpi/candidates')).expect(200)).body as {
      id: string;
      patientId: string;
      matchedPatientId: string;
    }[];
    const candidate = candidates.find(
      (c) => [c.patientId, c.matchedPatientId].sort().join() === [a, b].sort().join(),
    );
    expect(candidate).toBeDefined();
    const changes = await admin(
      request(hub.url).post(`/admin/mpi/candidates/${candidate!.id}/confirm`),
    ).expect(200);
    expect(changes.body.length).toBeGreaterThan(0);
    expect((await gp.get(`/fhir/Observation?patient=${b}&_summary=count`)).body.total).toBe(1);

    // Operators' changes are in the audit trail, which agencies do not read (they are the hub's).
    await auditCaughtUp(hub.app.get(DataSource));
    const events: { content: object }[] = await hub.app
      .get(DataSource)
      .query(`SELECT content FROM audit_trail WHERE patient_id = $1 AND agency = 'hub'`, [b]);
    expect(JSON.stringify(events)).toContain('mpi-confirm');
    expect(JSON.stringify(events)).toContain('alice');
    const own = (await gp.get('/fhir/AuditEvent?_count=500').expect(200)).body as Bundle;
    expect(own.entry?.length).toBeGreaterThan(0);
    for (const e of own.entry ?? []) {
      expect(JSON.stringify(e.resource)).toContain('"who":{"reference":"Organization/cabinet"}');
    }
    expect(JSON.stringify(own)).not.toContain('mpi-confirm');

    await admin(request(hub.url).post(`/admin/mpi/patients/${b}/unlink`)).expect(200);
    expect((await gp.get(`/fhir/Observation?patient=${b}&_summary=count`)).body.total).toBe(0);
  });

  it('does not link twins', async () => {
    const a = await create(
      hospital,
      patient('https://chu.example/mrn', 'H3', { name: [{ family: 'Martin', given: ['Léa'] }] }),
    );
    const b = await create(
      hospital,
      patient('https://chu.example/mrn', 'H4', { name: [{ family: 'Martin', given: ['Lou'] }] }),
    );
    const candidates = (await admin(request(hub.url).get('/admin/mpi/candidates')).expect(200)).body as {
      patientId: string;
      matchedPatientId: string;
    }[];
    expect(
      candidates.some(
        (c) => [c.patientId, c.matchedPatientId].includes(a) && [c.patientId, c.matchedPatientId].includes(b),
      ),
    ).toBe(false);
  });
});
