import type { Bundle, BundleEntry, OperationOutcome, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://hospital.example.org/mrn';

function patient(mrn: string, family = 'Dupont'): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: MRN, value: mrn }],
    name: [{ family, given: ['Éloïse'] }],
    gender: 'female',
    birthDate: '1980-02-29',
  };
}

describe.each(STORE_KINDS)('FHIR REST API on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'hospital-a' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
  });
  afterAll(() => hub.close());

  const post = (path: string, body: unknown) =>
    api
      .post(`/fhir/${path}`)
      .set('content-type', FHIR_JSON)
      .send(body as object);
  const put = (path: string, body: unknown) =>
    api
      .put(`/fhir/${path}`)
      .set('content-type', FHIR_JSON)
      .send(body as object);

  it('serves a CapabilityStatement as application/fhir+json', async () => {
    const res = await api.get('/fhir/metadata').expect(200);
    expect(res.headers['content-type']).toContain(FHIR_JSON);
    expect(res.body.resourceType).toBe('CapabilityStatement');
    const types = (res.body.rest[0].resource as { type: string }[]).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(['Patient', 'Observation', 'AuditEvent', 'Binary']));
  });

  it('creates, reads, vreads, updates with If-Match and keeps history', async () => {
    const created = await post('Patient', patient('crud-1')).expect(201);
    const id: string = created.body.id;
    expect(created.headers.location).toBe(`${hub.fhir}/Patient/${id}/_history/1`);
    expect(created.headers.etag).toBe('W/"1"');
    expect(created.body.meta.versionId).toBe('1');

    const read = await api.get(`/fhir/Patient/${id}`).expect(200);
    expect(read.body.name[0].given).toEqual(['Éloïse']);
    expect(read.headers['content-type']).toContain(FHIR_JSON);

    const v2 = { ...read.body, gender: 'other' };
    await put(`Patient/${id}`, v2).set('if-match', 'W/"7"').expect(412);
    const updated = await put(`Patient/${id}`, v2).set('if-match', 'W/"1"').expect(200);
    expect(updated.body.meta.versionId).toBe('2');

    const v1 = await api.get(`/fhir/Patient/${id}/_history/1`).expect(200);
    expect(v1.body.gender).toBe('female');
    const history = await api.get(`/fhir/Patient/${id}/_history`).expect(200);
    expect(history.body.type).toBe('history');
    expect(history.body.entry.map((e: BundleEntry) => e.resource?.meta?.versionId)).toEqual(['2', '1']);
  });

  it('refuses an update whose body id disagrees with the URL', async () => {
    const created = await post('Patient', patient('crud-2')).expect(201);
    const res = await put(`Patient/${created.body.id}`, { ...created.body, id: 'other' }).expect(400);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('creates with a client-assigned id on PUT', async () => {
    const res = await put('Patient/client-chosen-1', { ...patient('put-1'), id: 'client-chosen-1' }).expect(
      201,
    );
    expect(res.body.id).toBe('client-chosen-1');
  });

  it('makes one version when the same conditional update is sent twice', async () => {
    const url = `Patient?identifier=${encodeURIComponent(`${MRN}|cond-1`)}`;
    const first = await put(url, patient('cond-1')).expect(201);
    const second = await put(url, patient('cond-1')).expect(200);
    expect(second.body.id).toBe(first.body.id);
    expect(second.body.meta.versionId).toBe('1');
    const changed = await put(url, patient('cond-1', 'Martin')).expect(200);
    expect(changed.body.meta.versionId).toBe('2');
  });

  it('conditional create returns the existing match', async () => {
    const first = await post('Patient', patient('nx-1'))
      .set('if-none-exist', `identifier=${MRN}|nx-1`)
      .expect(201);
    const again = await post('Patient', patient('nx-1'))
      .set('if-none-exist', `identifier=${MRN}|nx-1`)
      .expect(200);
    expect(again.body.id).toBe(first.body.id);
  });

  it('keeps deleted resources in history and answers 410 on read', async () => {
    const created = await post('Patient', patient('del-1')).expect(201);
    await api.delete(`/fhir/Patient/${created.body.id}`).expect(200);
    const gone = await api.get(`/fhir/Patient/${created.body.id}`).expect(410);
    expect(gone.body.issue[0].code).toBe('deleted');
    const history = await api.get(`/fhir/Patient/${created.body.id}/_history`).expect(200);
    expect(history.body.entry[0].request.method).toBe('DELETE');
    const search = await api.get(`/fhir/Patient?identifier=${MRN}|del-1`).expect(200);
    expect(search.body.total).toBe(0);
  });

  it('answers 404 OperationOutcome for unknown types and ids', async () => {
    const unknownType = await api.get('/fhir/Spaceship/1').expect(404);
    expect(unknownType.body.resourceType).toBe('OperationOutcome');
    await api.get('/fhir/Patient/does-not-exist').expect(404);
    await api.get('/fhir/Patient/null').expect(404);
    await api.get('/fhir/Patient/undefined').expect(404);
    await api.get('/fhir/Patient/not%20valid!').expect(404);
  });

  it('refuses writes to AuditEvent', async () => {
    const res = await post('AuditEvent', { resourceType: 'AuditEvent' }).expect(405);
    expect(res.body.resourceType).toBe('OperationOutcome');
  });

  it('runs $everything over the patient compartment only', async () => {
    const a = await post('Patient', patient('ev-a')).expect(201);
    const b = await post('Patient', patient('ev-b')).expect(201);
    for (const [p, code] of [
      [a.body.id, '8867-4'],
      [b.body.id, '8310-5'],
    ]) {
      await post('Observation', {
        resourceType: 'Observation',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code }] },
        subject: { reference: `Patient/${p}` },
      }).expect(201);
    }
    const res = await api.get(`/fhir/Patient/${a.body.id}/$everything`).expect(200);
    const refs = (res.body.entry as BundleEntry[]).map((e) => `${e.resource?.resourceType}`);
    expect(refs.sort()).toEqual(['Observation', 'Patient']);
    await api.get('/fhir/Patient/nobody/$everything').expect(404);
  });

  describe('hostile input', () => {
    it('malformed JSON → 400', async () => {
      const res = await api
        .post('/fhir/Patient')
        .set('content-type', FHIR_JSON)
        .send('{"resourceType": "Pat')
        .expect(400);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(JSON.stringify(res.body)).not.toContain('Pat"');
    });

    it('prototype keys → 400', async () => {
      const body = '{"resourceType":"Patient","name":[{"__proto__":{"admin":true}}]}';
      await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(body).expect(400);
      const ctor = '{"resourceType":"Patient","constructor":{"prototype":{}}}';
      await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(ctor).expect(400);
    });

    it('nesting deeper than the limit → 400', async () => {
      const deep = `{"resourceType":"Patient","extension":${'['.repeat(200)}${']'.repeat(200)}}`;
      await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(deep).expect(400);
    });

    it('a body over the limit → 413', async () => {
      const big = JSON.stringify({
        ...patient('big'),
        text: { status: 'generated', div: 'x'.repeat(hub.config.http.bodyLimitBytes) },
      });
      const res = await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(big).expect(413);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });

    it('an invalid resource → 400 naming the element, nothing written', async () => {
      const res = await post('Patient', { ...patient('bad-1'), birthDate: '29/02/1980' }).expect(400);
      const outcome = res.body as OperationOutcome;
      expect(outcome.issue.some((i) => i.expression?.includes('Patient.birthDate'))).toBe(true);
      const search = await api.get(`/fhir/Patient?identifier=${MRN}|bad-1`).expect(200);
      expect(search.body.total).toBe(0);
    });

    it('unsupported content type → 415', async () => {
      const res = await api.post('/fhir/Patient').set('content-type', 'text/plain').send('hello').expect(415);
      expect(res.body.resourceType).toBe('OperationOutcome');
    });
  });

  describe('concurrency', () => {
    it('10 concurrent PUTs from the same version: exactly one wins', async () => {
      const created = await post('Patient', patient('race-1')).expect(201);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          put(`Patient/${created.body.id}`, { ...created.body, name: [{ family: `Racer${i}` }] }).set(
            'if-match',
            'W/"1"',
          ),
        ),
      );
      const statuses = results.map((r) => r.status).sort();
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409 || s === 412)).toHaveLength(9);
    });

    it('10 concurrent conditional creates with one identifier make one resource', async () => {
      const results = await Promise.all(
        Array.from({ length: 10 }, () =>
          post('Patient', patient('race-2')).set('if-none-exist', `identifier=${MRN}|race-2`),
        ),
      );
      expect(results.map((r) => r.status).filter((s) => s === 201)).toHaveLength(1);
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      const search = await api.get(`/fhir/Patient?identifier=${MRN}|race-2&_summary=count`).expect(200);
      expect(search.body.total).toBe(1);
    });

    it('10 concurrent conditional updates with one identifier make one resource', async () => {
      const url = `Patient?identifier=${encodeURIComponent(`${MRN}|race-3`)}`;
      const results = await Promise.all(Array.from({ length: 10 }, () => put(url, patient('race-3'))));
      expect(results.every((r) => r.status === 200 || r.status === 201)).toBe(true);
      const search = await api.get(`/fhir/Patient?identifier=${MRN}|race-3`).expect(200);
      expect(search.body.total).toBe(1);
      expect((search.body as Bundle).entry?.[0].resource?.meta?.versionId).toBe('1');
    });
  });
});
