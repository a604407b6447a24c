import type { Bundle as B, BundleEntry as BE, FhirResource } from 'fhir/r4';

type Bundle = B<FhirResource>;
type BundleEntry = BE<FhirResource>;
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://hospital.example.org/mrn';
const ENC = 'https://hospital.example.org/encounter';

function txBundle(mrn: string, extra: BundleEntry[] = []): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: 'urn:uuid:0f0c7a3e-59f4-4c36-9a41-5b9c1f0f0001',
        resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: mrn }] },
        request: { method: 'PUT', url: `Patient?identifier=${MRN}|${mrn}` },
      },
      {
        fullUrl: 'urn:uuid:0f0c7a3e-59f4-4c36-9a41-5b9c1f0f0002',
        resource: {
          resourceType: 'Encounter',
          status: 'finished',
          class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
          identifier: [{ system: ENC, value: `${mrn}-e1` }],
          subject: { reference: 'urn:uuid:0f0c7a3e-59f4-4c36-9a41-5b9c1f0f0001' },
        },
        request: { method: 'POST', url: 'Encounter' },
      },
      ...extra,
    ],
  };
}

describe.each(STORE_KINDS)('Bundle transaction and batch on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'hospital-t' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
  });
  afterAll(() => hub.close());
  const postBundle = (b: unknown) =>
    api
      .post('/fhir')
      .set('content-type', FHIR_JSON)
      .send(b as object);
  const count = async (q: string) =>
    (await api.get(`/fhir/${q}&_summary=count`).expect(200)).body.total as number;

  it('writes all entries and rewrites urn:uuid references', async () => {
    const res = await postBundle(txBundle('TX-1')).expect(200);
    expect(res.body.type).toBe('transaction-response');
    expect(res.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual([
      '201 Created',
      '201 Created',
    ]);
    const patientRef = (res.body.entry[0].response.location as string).split('/_history')[0];
    const enc = await api.get(`/fhir/Encounter?identifier=${ENC}|TX-1-e1`).expect(200);
    expect(enc.body.entry[0].resource.subject.reference).toBe(patientRef);
  });

  it('resolves a conditional reference to an entry of the same Bundle and to a stored resource', async () => {
    await postBundle(txBundle('TX-2')).expect(200);
    const cond: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Condition',
            identifier: [{ system: 'https://gp.example.org/cond', value: 'c-1' }],
            subject: { reference: `Patient?identifier=${MRN}|TX-2` },
          },
          request: { method: 'PUT', url: 'Condition?identifier=https://gp.example.org/cond|c-1' },
        },
      ],
    };
    const res = await postBundle(cond).expect(200);
    const stored = await api
      .get(`/fhir/${(res.body.entry[0].response.location as string).split('/_history')[0]}`)
      .expect(200);
    const patient = await api.get(`/fhir/Patient?identifier=${MRN}|TX-2`).expect(200);
    expect(stored.body.subject.reference).toBe(`Patient/${patient.body.entry[0].resource.id}`);
  });

  it('is idempotent when the same conditional Bundle is pushed again', async () => {
    const b = txBundle('TX-3');
    b.entry![1].request = { method: 'PUT', url: `Encounter?identifier=${ENC}|TX-3-e1` };
    b.entry![1].resource!.id = undefined;
    await postBundle(b).expect(200);
    const again = await postBundle(b).expect(200);
    expect(again.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual(['200 OK', '200 OK']);
    expect(again.body.entry.map((e: BundleEntry) => e.response?.etag)).toEqual(['W/"1"', 'W/"1"']);
    expect(await count(`Encounter?identifier=${ENC}|TX-3-e1`)).toBe(1);
  });

  it('writes nothing when one entry is invalid', async () => {
    const bad = txBundle('TX-4', [
      {
        resource: { resourceType: 'Observation', status: 'not-a-status', code: { text: 'x' } } as never,
        request: { method: 'POST', url: 'Observation' },
      },
    ]);
    const res = await postBundle(bad).expect(400);
    expect(res.body.issue[0].expression[0]).toMatch(/^Bundle\.entry\[2\]\.resource/);
    expect(await count(`Patient?identifier=${MRN}|TX-4`)).toBe(0);
    expect(await count(`Encounter?identifier=${ENC}|TX-4-e1`)).toBe(0);
  });

  it('fails the whole transaction when a conditional reference matches nothing or several', async () => {
    const none = txBundle('TX-5', [
      {
        resource: { resourceType: 'Condition', subject: { reference: `Patient?identifier=${MRN}|nobody` } },
        request: { method: 'POST', url: 'Condition' },
      },
    ]);
    const res = await postBundle(none).expect(412);
    expect(res.body.resourceType).toBe('OperationOutcome');
    expect(await count(`Patient?identifier=${MRN}|TX-5`)).toBe(0);

    await postBundle(txBundle('TX-6')).expect(200);
    await postBundle(txBundle('TX-7')).expect(200);
    const several = txBundle('TX-8', [
      {
        resource: { resourceType: 'Condition', subject: { reference: `Patient?identifier=${MRN}|` } },
        request: { method: 'POST', url: 'Condition' },
      },
    ]);
    await postBundle(several).expect(412);
    expect(await count(`Patient?identifier=${MRN}|TX-8`)).toBe(0);
  });

  it('refuses an unresolved urn:uuid reference', async () => {
    const b = txBundle('TX-9', [
      {
        resource: {
          resourceType: 'Condition',
          subject: { reference: 'urn:uuid:0f0c7a3e-59f4-4c36-9a41-5b9c1f0f9999' },
        },
        request: { method: 'POST', url: 'Condition' },
      },
    ]);
    await postBundle(b).expect(400);
    expect(await count(`Patient?identifier=${MRN}|TX-9`)).toBe(0);
  });

  it('batch answers each entry on its own', async () => {
    const batch: Bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        {
          resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'B-1' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: { resourceType: 'Patient', birthDate: 'nope' } as never,
          request: { method: 'POST', url: 'Patient' },
        },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { request: { method: 'GET', url: `Patient?identifier=${MRN}|B-1` } },
      ],
    };
    const res = await postBundle(batch).expect(200);
    expect(res.body.type).toBe('batch-response');
    const statuses = res.body.entry.map((e: BundleEntry) => e.response?.status);
    expect(statuses).toEqual(['201 Created', '400', '404', '200 OK']);
    expect(res.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(res.body.entry[3].resource.total).toBe(1);
  });
});
