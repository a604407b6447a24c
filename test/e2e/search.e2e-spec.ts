import type { Bundle, BundleEntry, Observation, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://gp.example.org/mrn';

function observation(
  patientId: string,
  code: string,
  when: string,
  status: Observation['status'] = 'final',
): Observation {
  return {
    resourceType: 'Observation',
    status,
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: when,
    valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
  };
}

const ids = (b: Bundle, mode = 'match') =>
  (b.entry ?? [])
    .filter((e: BundleEntry) => e.search?.mode === mode)
    .map((e) => `${e.resource?.resourceType}/${e.resource?.id}`);

describe.each(STORE_KINDS)('FHIR search on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  let patientId: string;
  let otherId: string;
  const obsIds: string[] = [];

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'gp-a' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
    const post = (path: string, body: unknown) =>
      api
        .post(`/fhir/${path}`)
        .set('content-type', FHIR_JSON)
        .send(body as object);
    const p: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: MRN, value: 'S-1' }],
      gender: 'male',
    };
    patientId = (await post('Patient', p).expect(201)).body.id;
    otherId = (await post('Patient', { ...p, identifier: [{ system: MRN, value: 'S-2' }] }).expect(201)).body
      .id;
    const dates = [
      '2024-01-10T08:00:00Z',
      '2024-02-10T08:00:00Z',
      '2024-03-10T08:00:00+01:00',
      '2024-04-10T08:00:00Z',
      '2024-05-10T08:00:00Z',
    ];
    for (const [i, when] of dates.entries()) {
      const res = await post(
        'Observation',
        observation(patientId, i % 2 === 0 ? '8867-4' : '8310-5', when, i === 4 ? 'preliminary' : 'final'),
      );
      obsIds.push(res.body.id);
    }
    await post('Observation', observation(otherId, '8867-4', '2024-01-10T08:00:00Z'));
  });
  afterAll(() => hub.close());

  it('by identifier (system|value, value alone, system only)', async () => {
    expect((await api.get(`/fhir/Patient?identifier=${MRN}|S-1`)).body.total).toBe(1);
    expect((await api.get('/fhir/Patient?identifier=S-1')).body.total).toBe(1);
    expect((await api.get(`/fhir/Patient?identifier=${MRN}|`)).body.total).toBe(2);
    expect((await api.get('/fhir/Patient?identifier=other|S-1')).body.total).toBe(0);
  });

  it('by _id, patient, subject, code, status and date', async () => {
    expect((await api.get(`/fhir/Patient?_id=${patientId},${otherId}`)).body.total).toBe(2);
    expect((await api.get(`/fhir/Observation?patient=${patientId}`)).body.total).toBe(5);
    expect((await api.get(`/fhir/Observation?subject=Patient/${patientId}`)).body.total).toBe(5);
    expect((await api.get(`/fhir/Observation?subject=${hub.fhir}/Patient/${patientId}`)).body.total).toBe(5);
    expect(
      (await api.get(`/fhir/Observation?patient=${patientId}&code=http://loinc.org|8867-4`)).body.total,
    ).toBe(3);
    expect((await api.get(`/fhir/Observation?patient=${patientId}&code=8310-5`)).body.total).toBe(2);
    expect((await api.get(`/fhir/Observation?patient=${patientId}&status=preliminary`)).body.total).toBe(1);
    expect((await api.get(`/fhir/Observation?patient=${patientId}&date=2024-03`)).body.total).toBe(1);
    expect((await api.get(`/fhir/Observation?patient=${patientId}&date=ge2024-03-10`)).body.total).toBe(3);
    expect((await api.get(`/fhir/Observation?patient=${patientId}&date=lt2024-02-10`)).body.total).toBe(1);
    expect(
      (await api.get(`/fhir/Observation?patient=${patientId}&date=gt2024-01-31&date=le2024-04-10`)).body
        .total,
    ).toBe(3);
    expect(
      (await api.get(`/fhir/Observation?patient=${patientId}&date=2024-03-10T07:00:00Z`)).body.total,
    ).toBe(1);
  });

  it('by _lastUpdated', async () => {
    const first = (await api.get(`/fhir/Observation/${obsIds[0]}`)).body as Observation;
    const after = await api.get(
      `/fhir/Observation?patient=${patientId}&_lastUpdated=gt${first.meta!.lastUpdated}`,
    );
    expect(after.body.total).toBe(4);
    const upTo = await api.get(
      `/fhir/Observation?patient=${patientId}&_lastUpdated=le${first.meta!.lastUpdated}`,
    );
    expect(upTo.body.total).toBe(1);
  });

  it('pages with _count and stable next links, in _sort order', async () => {
    const seen: string[] = [];
    let url: string | undefined =
      `/fhir/Observation?patient=${patientId}&_count=2&_sort=-_lastUpdated&_total=accurate`;
    let pages = 0;
    while (url) {
      const res = await api.get(url).expect(200);
      const bundle = res.body as Bundle;
      expect(bundle.total).toBe(5);
      seen.push(...ids(bundle));
      const next = bundle.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.replace(hub.url, '') : undefined;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual([...obsIds].reverse().map((id) => `Observation/${id}`));
  });

  it('counts the total on the first page, and on later pages only when _total asks', async () => {
    const first = (await api.get(`/fhir/Observation?patient=${patientId}&_count=2`).expect(200))
      .body as Bundle;
    expect(first.total).toBe(5);
    const next = first.link?.find((l) => l.relation === 'next')?.url;
    const second = (await api.get(next!.replace(hub.url, '')).expect(200)).body as Bundle;
    expect(ids(second)).toHaveLength(2);
    expect(second.total).toBeUndefined();
    const whole = (await api.get(`/fhir/Observation?patient=${patientId}&_count=5`).expect(200))
      .body as Bundle;
    expect(whole.total).toBe(5);
    const none = (await api.get(`/fhir/Observation?patient=${patientId}&_total=none`).expect(200))
      .body as Bundle;
    expect(none.total).toBeUndefined();
  });

  it('_include and _revinclude', async () => {
    const inc = await api.get(`/fhir/Observation?_id=${obsIds[0]}&_include=Observation:subject`).expect(200);
    expect(ids(inc.body, 'include')).toEqual([`Patient/${patientId}`]);
    const rev = await api.get(`/fhir/Patient?_id=${patientId}&_revinclude=Observation:subject`).expect(200);
    expect(ids(rev.body, 'include').sort()).toEqual(obsIds.map((id) => `Observation/${id}`).sort());
    expect(rev.body.total).toBe(1);
  });

  it('_summary=count returns the total and no entries', async () => {
    const res = await api.get(`/fhir/Observation?patient=${patientId}&_summary=count`).expect(200);
    expect(res.body.total).toBe(5);
    expect(res.body.entry).toBeUndefined();
  });

  it('ignores unknown parameters when lenient and leaves them out of self; strict handling refuses them', async () => {
    const res = await api
      .get(`/fhir/Patient?identifier=${MRN}|S-1&colour=blue`)
      .set('prefer', 'handling=lenient')
      .expect(200);
    expect(res.body.total).toBe(1);
    const self: string = res.body.link.find((l: { relation: string }) => l.relation === 'self').url;
    expect(self).not.toContain('colour');
    expect(self).toContain('identifier');
    const strict = await api.get('/fhir/Patient?colour=blue').set('prefer', 'handling=strict').expect(400);
    expect(strict.body.resourceType).toBe('OperationOutcome');
    await api.get('/fhir/Patient?colour=blue').expect(400);
  });

  it('rejects malformed values with 400', async () => {
    await api.get('/fhir/Observation?date=yesterday').expect(400);
    await api.get('/fhir/Observation?_count=-1').expect(400);
    // A page token the hub did not issue to this agency is a page that does not exist.
    await api.get('/fhir/Observation?_page=not-a-token').expect(404);
  });

  it('type history lists every version', async () => {
    const res = await api.get('/fhir/Observation/_history?_count=3').expect(200);
    expect(res.body.type).toBe('history');
    expect(res.body.entry).toHaveLength(3);
    expect(res.body.link.some((l: { relation: string }) => l.relation === 'next')).toBe(true);
  });
});
