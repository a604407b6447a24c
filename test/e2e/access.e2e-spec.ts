import { randomBytes } from 'node:crypto';
import type { Patient } from 'fhir/r4';
import {
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestAgency,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

const FHIR_JSON = 'application/fhir+json';
// The reader below is the patient's GP of record: a care relationship, so scopes alone decide.
const patient: Patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://h.example/mrn', value: 'A-1' }],
  generalPractitioner: [{ reference: 'Organization/reader' }],
};

describe.each(STORE_KINDS)('access control on %s', (kind) => {
  let hub: TestHub;
  let writer: TestAgency;
  let reader: TestAgency;
  let patientId: string;
  beforeAll(async () => {
    hub = await startTestHub(kind);
    writer = await registerAgency(hub, { id: 'writer', scopes: ['system/*.cruds'] });
    reader = await registerAgency(hub, {
      id: 'reader',
      kind: 'gp',
      scopes: ['system/Patient.r', 'system/Observation.s'],
    });
    const res = await request(hub.url)
      .post('/fhir/Patient')
      .set('authorization', `Bearer ${await writer.token()}`)
      .set('content-type', FHIR_JSON)
      .send(patient)
      .expect(201);
    patientId = res.body.id;
  });
  afterAll(() => hub.close());

  it('serves metadata and the SMART configuration without a token', async () => {
    await request(hub.url).get('/fhir/metadata').expect(200);
  });

  it('refuses a missing, malformed or forged token with 401 and a challenge', async () => {
    const none = await request(hub.url).get(`/fhir/Patient/${patientId}`).expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.body.resourceType).toBe('OperationOutcome');
    await request(hub.url)
      .get(`/fhir/Patient/${patientId}`)
      .set('authorization', 'Bearer not.a.token')
      .expect(401);
    // A client assertion is not an access token, even though the agency signed it.
    await request(hub.url)
      .get(`/fhir/Patient/${patientId}`)
      .set('authorization', `Bearer ${writer.assertion()}`)
      .expect(401);
    const res = await request(hub.url)
      .get(`/fhir/Patient/${patientId}`)
      .set('authorization', 'Basic abc')
      .expect(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  describe('scopes per interaction', () => {
    let token: string;
    beforeAll(async () => {
      token = await reader.token({ scope: 'system/Patient.r system/Observation.s' });
    });
    const as = (t: () => string) => (r: request.Test) => r.set('authorization', `Bearer ${t()}`);

    it.each([
      ['read Patient', 'get', '/fhir/Patient/{id}', 200],
      ['vread Patient', 'get', '/fhir/Patient/{id}/_history/1', 200],
      ['search Patient', 'get', '/fhir/Patient', 403],
      ['search Observation', 'get', '/fhir/Observation', 200],
      ['read Observation', 'get', '/fhir/Observation/x', 403],
      ['create Patient', 'post', '/fhir/Patient', 403],
      ['update Patient', 'put', '/fhir/Patient/{id}', 403],
      ['delete Patient', 'delete', '/fhir/Patient/{id}', 403],
      ['type history Patient', 'get', '/fhir/Patient/_history', 403],
    ] as const)('%s → %s', async (_name, method, path, status) => {
      const req = as(() => token)(request(hub.url)[method](path.replace('{id}', patientId)));
      const res = await (method === 'post' || method === 'put'
        ? req.set('content-type', FHIR_JSON).send({ ...patient, id: patientId })
        : req);
      expect(res.status).toBe(status);
      if (status === 403) expect(res.body.issue[0].code).toBe('forbidden');
    });

    it('checks every entry of a transaction before writing any', async () => {
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: patient, request: { method: 'POST', url: 'Patient' } }],
      };
      const res = await request(hub.url)
        .post('/fhir')
        .set('authorization', `Bearer ${token}`)
        .set('content-type', FHIR_JSON)
        .send(bundle);
      expect(res.status).toBe(403);
    });
  });

  it('needs a purpose of use to read patient data, not to write it', async () => {
    const token = await writer.token({ purposeOfUse: '' });
    await request(hub.url)
      .get(`/fhir/Patient/${patientId}`)
      .set('authorization', `Bearer ${token}`)
      .expect(403);
    await request(hub.url)
      .post('/fhir/Patient')
      .set('authorization', `Bearer ${token}`)
      .set('content-type', FHIR_JSON)
      .send(patient)
      .expect(201);
  });

  describe('admin API', () => {
    const admin = (r: request.Test) => r.set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);

    it('refuses callers without the operator credential', async () => {
      await request(hub.url).get('/admin/agencies').expect(401);
      await request(hub.url).get('/admin/agencies').set('authorization', 'Bearer wrong-token').expect(401);
      await request(hub.url)
        .get('/admin/agencies')
        .set('authorization', `Bearer ${await writer.token()}`)
        .expect(401);
    });

    it('lists, reads and documents agencies', async () => {
      const list = await admin(request(hub.url).get('/admin/agencies')).expect(200);
      expect(list.body.map((a: { id: string }) => a.id)).toContain('writer');
      const one = await admin(request(hub.url).get('/admin/agencies/writer')).expect(200);
      expect(one.body.jwks.keys[0].d).toBeUndefined();
      await admin(request(hub.url).get('/admin/agencies/nobody')).expect(404);
      const docs = await request(hub.url).get('/admin/docs-json').expect(200);
      expect(Object.keys(docs.body.paths)).toEqual(
        expect.arrayContaining(['/admin/agencies', '/admin/agencies/{id}']),
      );
    });

    it('refuses private keys, bad scopes and duplicates', async () => {
      const base = { id: 'bad-1', kind: 'gp', name: 'Bad', scopes: ['system/*.rs'] };
      const rsa = { kty: 'RSA', kid: 'k', n: 'x', e: 'AQAB', d: 'secret' };
      await admin(request(hub.url).post('/admin/agencies'))
        .send({ ...base, jwks: { keys: [rsa] } })
        .expect(400);
      await admin(request(hub.url).post('/admin/agencies'))
        .send({ ...base, id: 'writer', jwks: { keys: [] } })
        .expect(400);
      const jwks = (await admin(request(hub.url).get('/admin/agencies/writer'))).body.jwks;
      await admin(request(hub.url).post('/admin/agencies'))
        .send({ ...base, jwks, scopes: ['everything'] })
        .expect(400);
      await admin(request(hub.url).post('/admin/agencies'))
        .send({ ...base, id: 'writer', jwks })
        .expect(409);
    });

    it('registers the agency as an Organization with the same id', async () => {
      const res = await request(hub.url)
        .get('/fhir/Organization/writer')
        .set('authorization', `Bearer ${await writer.token()}`)
        .expect(200);
      expect(res.body.name).toBe('Test agency writer');
    });

    it("keeps an agency's official identifiers on its Organization, and refuses malformed ones", async () => {
      const finess = { system: 'http://finess.sante.gouv.fr', value: '440000289' };
      await admin(request(hub.url).patch('/admin/agencies/writer'))
        .send({ identifiers: [finess] })
        .expect(200);
      await admin(request(hub.url).patch('/admin/agencies/writer'))
        .send({ name: 'Renamed writer' })
        .expect(200);
      const org = await request(hub.url)
        .get('/fhir/Organization/writer')
        .set('authorization', `Bearer ${await writer.token()}`)
        .expect(200);
      expect(org.body.identifier).toEqual([{ system: 'urn:passerelle:agency', value: 'writer' }, finess]);
      for (const identifiers of [[{ system: 'urn:passerelle:agency', value: 'x' }], [{ value: 'x' }], 'x'])
        await admin(request(hub.url).patch('/admin/agencies/writer')).send({ identifiers }).expect(400);
    });

    it("keeps an agency's country on its Organization's address (patients' addresses without one are there), and refuses a made-up one", async () => {
      const set = await admin(request(hub.url).patch('/admin/agencies/writer'))
        .send({ country: 'gb' })
        .expect(200);
      expect(set.body).toMatchObject({ country: 'GB' });
      await admin(request(hub.url).patch('/admin/agencies/writer'))
        .send({ name: 'Writer again' })
        .expect(200);
      const org = await request(hub.url)
        .get('/fhir/Organization/writer')
        .set('authorization', `Bearer ${await writer.token()}`)
        .expect(200);
      expect(org.body.address).toEqual([{ country: 'GB' }]);
      for (const country of ['QQ', 'United Kingdom', 7])
        await admin(request(hub.url).patch('/admin/agencies/writer')).send({ country }).expect(400);
      const cleared = await admin(request(hub.url).patch('/admin/agencies/writer'))
        .send({ country: null })
        .expect(200);
      expect(cleared.body.country).toBeUndefined();
    });

    it('suspends an agency: no new tokens', async () => {
      const temp = await registerAgency(hub, { id: 'temp' });
      await admin(request(hub.url).patch('/admin/agencies/temp')).send({ status: 'suspended' }).expect(200);
      await expect(temp.token()).rejects.toThrow(/401/);
      await admin(request(hub.url).patch('/admin/agencies/temp')).send({ status: 'active' }).expect(200);
      await expect(temp.token()).resolves.toEqual(expect.any(String));
    });
  });
});

describe.each([
  ['in memory', {}],
  [
    'in Redis',
    { REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `test:${randomBytes(6).toString('hex')}:` },
  ],
])('rate limits per agency %s', (_name, env) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub('postgres', {
      env: { RATE_LIMIT: '5', RATE_LIMIT_WINDOW_SECONDS: '60', ...env },
    });
  });
  afterAll(() => hub.close());

  it('answers 429 with Retry-After past the limit, for that agency only', async () => {
    const a = await registerAgency(hub, { id: 'busy' });
    const b = await registerAgency(hub, { id: 'quiet' });
    const [ta, tb] = [await a.token(), await b.token()];
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      statuses.push(
        (await request(hub.url).get('/fhir/Patient').set('authorization', `Bearer ${ta}`)).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await request(hub.url)
      .get('/fhir/Patient')
      .set('authorization', `Bearer ${ta}`)
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.body.resourceType).toBe('OperationOutcome');
    await request(hub.url).get('/fhir/Patient').set('authorization', `Bearer ${tb}`).expect(200);
  });
});
