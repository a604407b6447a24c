import { randomUUID } from 'node:crypto';
import type {
  Bundle as B,
  BundleEntry as BE,
  FhirResource,
  Observation,
  OperationOutcome,
  Practitioner,
} from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';
import { actor, privacyConsent } from '../support/consents';

const FHIR_JSON = 'application/fhir+json';
const MRN = 'https://hospital.example.org/mrn';
const OBS = 'https://hospital.example.org/obs';

type Agent = ReturnType<typeof request.agent>;
type Bundle = B<FhirResource>;
type BundleEntry = BE<FhirResource>;
const contained: Practitioner = { resourceType: 'Practitioner', id: 'p1', name: [{ family: 'Martin' }] };

const observation = (subject: string, extra: Partial<Observation> = {}): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: subject },
  ...extra,
});

/**
 * A write's literal references must resolve to a resource its writer may see: its own, directory
 * data, another entry of its Bundle, or a conditional reference that resolves. Otherwise 422,
 * with the same body whether the target is missing or only hidden from the writer.
 */
describe.each(STORE_KINDS)('references checked on write, on %s', (kind) => {
  let hub: TestHub;
  let chu: Agent;
  let gp: Agent;
  let gpWithoutPurpose: Agent;
  let chuPatient: string;
  let gpPatient: string;
  let chuPatientFollowedByGp: string;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const hospital = await registerAgency(hub, { id: 'ref-chu' });
    const practice = await registerAgency(hub, { id: 'ref-gp', kind: 'gp' });
    chu = request.agent(hub.url).set('authorization', `Bearer ${await hospital.token()}`);
    gp = request.agent(hub.url).set('authorization', `Bearer ${await practice.token()}`);
    gpWithoutPurpose = request
      .agent(hub.url)
      .set('authorization', `Bearer ${await practice.token({ purposeOfUse: '' })}`);
    chuPatient = (await create(chu, { resourceType: 'Patient', identifier: [{ system: MRN, value: 'R-1' }] }))
      .id;
    gpPatient = (await create(gp, { resourceType: 'Patient', gender: 'female' })).id;
    // The GP of record has a care relationship with the hospital's patient.
    chuPatientFollowedByGp = (
      await create(chu, {
        resourceType: 'Patient',
        identifier: [{ system: MRN, value: 'R-2' }],
        generalPractitioner: [{ reference: 'Organization/ref-gp' }],
      })
    ).id;
  });
  afterAll(() => hub.close());

  async function create(as: Agent, body: FhirResource, status = 201) {
    const res = await as.post(`/fhir/${body.resourceType}`).set('content-type', FHIR_JSON).send(body);
    expect(res.status).toBe(status);
    return res.body as { id: string } & OperationOutcome;
  }
  const post = (as: Agent, bundle: Bundle) => as.post('/fhir').set('content-type', FHIR_JSON).send(bundle);
  const count = async (as: Agent, query: string) =>
    (await as.get(`/fhir/${query}&_summary=count`).expect(200)).body.total as number;

  it('refuses a reference to a missing patient and to a hidden one with the same 422 body', async () => {
    const missing = await create(chu, observation(`Patient/${randomUUID()}`), 422);
    const hidden = await create(chu, observation(`Patient/${gpPatient}`), 422);
    expect(missing.resourceType).toBe('OperationOutcome');
    expect(missing.issue[0].expression).toEqual(['Observation.subject.reference']);
    expect(hidden).toEqual(missing);
    // Nothing was written.
    expect(await count(gp, `Observation?subject=Patient/${gpPatient}`)).toBe(0);
  });

  it('accepts references to its own patient, to an agency Organization and to this hub by absolute URL', async () => {
    const stored = await create(
      chu,
      observation(`${hub.fhir}/Patient/${chuPatient}`, { performer: [{ reference: 'Organization/ref-gp' }] }),
    );
    expect(stored.id).toBeDefined();
    await create(chu, observation(`${hub.fhir}/Patient/${gpPatient}`), 422);
  });

  it('accepts a reference to another agency’s patient it has a care relationship with, for a purpose', async () => {
    await create(gp, observation(`Patient/${chuPatientFollowedByGp}`));
    const noPurpose = await create(gpWithoutPurpose, observation(`Patient/${chuPatientFollowedByGp}`), 422);
    expect(noPurpose.issue[0].expression).toEqual(['Observation.subject.reference']);
    // Without a purpose of use its own data still resolves.
    await create(gpWithoutPurpose, observation(`Patient/${gpPatient}`));
  });

  it('follows the patient’s consent: an objection to the writer hides the patient from its writes', async () => {
    const objecting = (
      await create(chu, {
        resourceType: 'Patient',
        identifier: [{ system: MRN, value: 'R-3' }],
        generalPractitioner: [{ reference: 'Organization/ref-gp' }],
      })
    ).id;
    await create(gp, observation(`Patient/${objecting}`));
    await create(chu, privacyConsent(objecting, 'ref-chu', { type: 'deny', actor: [actor('ref-gp')] }));
    const refused = await create(gp, observation(`Patient/${objecting}`), 422);
    const missing = await create(gp, observation(`Patient/${randomUUID()}`), 422);
    expect(refused).toEqual(missing);
    // Holding the person, it may still record their choices: a Consent's patient needs that only.
    await create(gp, privacyConsent(objecting, 'ref-gp', { type: 'deny', actor: [actor('ref-chu')] }));
    const outsider = await create(chu, privacyConsent(gpPatient, 'ref-chu', { type: 'deny' }), 422);
    expect(outsider.issue[0].expression).toEqual(['Consent.patient.reference']);
  });

  it('leaves contained, external and urn:oid references alone', async () => {
    await create(
      chu,
      observation(`Patient/${chuPatient}`, {
        contained: [contained],
        performer: [
          { reference: '#p1' },
          { reference: 'https://other.example.org/fhir/Practitioner/42' },
          { reference: 'urn:oid:1.2.250.1.71.4.2.1.12345' },
        ],
      }),
    );
  });

  it('names every unresolvable reference, a malformed one included', async () => {
    const res = await create(
      chu,
      observation(`Patient/${chuPatient}`, {
        performer: [{ reference: 'Organization/ref-gp' }, { reference: 'Practitioner/nobody' }],
        hasMember: [{ reference: 'not a reference' }],
      }),
      422,
    );
    expect(res.issue.map((i) => i.expression)).toEqual([
      ['Observation.performer[1].reference'],
      ['Observation.hasMember[0].reference'],
    ]);
  });

  it('checks updates and conditional updates the same way', async () => {
    const id = (await create(chu, observation(`Patient/${chuPatient}`))).id;
    const res = await chu
      .put(`/fhir/Observation/${id}`)
      .set('content-type', FHIR_JSON)
      .send({ ...observation(`Patient/${gpPatient}`), id })
      .expect(422);
    expect(res.body.issue[0].expression).toEqual(['Observation.subject.reference']);
    await chu
      .put(`/fhir/Observation?identifier=${OBS}|u-1`)
      .set('content-type', FHIR_JSON)
      .send(observation(`Patient/${gpPatient}`, { identifier: [{ system: OBS, value: 'u-1' }] }))
      .expect(422);
    await chu
      .put(`/fhir/Observation?identifier=${OBS}|u-1`)
      .set('content-type', FHIR_JSON)
      .send(observation(`Patient/${chuPatient}`, { identifier: [{ system: OBS, value: 'u-1' }] }))
      .expect(201);
  });

  it('resolves a conditional reference in a single write to the writer’s own patient', async () => {
    const stored = await create(chu, observation(`Patient?identifier=${MRN}|R-1`));
    const read = await chu.get(`/fhir/Observation/${stored.id}`).expect(200);
    expect(read.body.subject.reference).toBe(`Patient/${chuPatient}`);
  });

  it('accepts references within a transaction (urn:uuid and conditional), all or nothing', async () => {
    const patient = 'urn:uuid:5d0c2a55-0d3f-4a3f-9a55-8e0c0a000001';
    const entries: BundleEntry[] = [
      {
        fullUrl: patient,
        resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'R-TX' }] },
        request: { method: 'PUT', url: `Patient?identifier=${MRN}|R-TX` },
      },
      {
        resource: observation(patient, { identifier: [{ system: OBS, value: 'tx-1' }] }),
        request: { method: 'PUT', url: `Observation?identifier=${OBS}|tx-1` },
      },
      {
        resource: observation(`Patient?identifier=${MRN}|R-1`, {
          identifier: [{ system: OBS, value: 'tx-2' }],
          performer: [{ reference: 'Organization?identifier=urn:passerelle:agency|ref-gp' }],
        }),
        request: { method: 'PUT', url: `Observation?identifier=${OBS}|tx-2` },
      },
    ];
    const ok = await post(chu, { resourceType: 'Bundle', type: 'transaction', entry: entries }).expect(200);
    expect(ok.body.entry.map((e: BundleEntry) => e.response?.status)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
    ]);
    // The same pushed again changes nothing: a retried push is still accepted.
    await post(chu, { resourceType: 'Bundle', type: 'transaction', entry: entries }).expect(200);

    const bad: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'R-TX-BAD' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        { resource: observation(`Patient/${gpPatient}`), request: { method: 'POST', url: 'Observation' } },
      ],
    };
    const refused = await post(chu, bad).expect(422);
    expect(refused.body.issue[0].expression).toEqual(['Bundle.entry[1].resource.subject.reference']);
    expect(await count(chu, `Patient?identifier=${MRN}|R-TX-BAD`)).toBe(0);
  });

  it('answers each batch entry on its own', async () => {
    const res = await post(chu, {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: observation(`Patient/${chuPatient}`), request: { method: 'POST', url: 'Observation' } },
        { resource: observation(`Patient/${gpPatient}`), request: { method: 'POST', url: 'Observation' } },
      ],
    }).expect(200);
    expect(res.body.entry[0].response.status).toBe('201 Created');
    expect(res.body.entry[1].response.status).toBe('422');
    expect(res.body.entry[1].response.outcome.issue[0].expression).toEqual([
      'Bundle.entry[1].resource.subject.reference',
    ]);
  });
});
