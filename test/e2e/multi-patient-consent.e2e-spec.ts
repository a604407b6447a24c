import type { Appointment, Bundle, Group, Patient, Resource } from 'fhir/r4';
import {
  actor,
  privacyConsent,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

/**
 * A resource in several patients' compartments (an Appointment with a parent and a child, a
 * Group) is disclosed only if each of them allows it: a care relationship with every one, and
 * every one's consent. One patient's permission never discloses another's data.
 */
const FHIR_JSON = 'application/fhir+json';
type Agent = ReturnType<typeof request.agent>;

describe.each(STORE_KINDS)('a resource about several patients on %s', (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let parentId: string;
  let childId: string;
  let shared: string;
  let group: string;
  let parentOnly: string;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const post = async (body: Resource) =>
    (
      (
        await hospital
          .post(`/fhir/${body.resourceType}`)
          .set('content-type', FHIR_JSON)
          .send(body)
          .expect(201)
      ).body as Resource
    ).id!;
  const patient = (family: string, withGp: boolean): Patient => ({
    resourceType: 'Patient',
    name: [{ family }],
    gender: 'other',
    birthDate: '1990-01-01',
    ...(withGp ? { generalPractitioner: [{ reference: 'Organization/cabinet' }] } : {}),
  });
  const appointment = (...patients: string[]): Appointment => ({
    resourceType: 'Appointment',
    status: 'booked',
    participant: patients.map((id) => ({ actor: { reference: `Patient/${id}` }, status: 'accepted' })),
  });
  const visible = async (type: string, id: string) => (await gp.get(`/fhir/${type}/${id}`)).status === 200;
  const foundBy = async (query: string) =>
    (((await gp.get(`/fhir/Appointment?${query}`).expect(200)).body as Bundle).entry ?? []).map(
      (e) => e.resource?.id,
    );

  beforeAll(async () => {
    hub = await startTestHub(kind);
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
    // The GP practice is the parent's GP of record, not (yet) the child's.
    parentId = await post(patient('Parent', true));
    childId = await post(patient('Enfant', false));
    shared = await post(appointment(parentId, childId));
    parentOnly = await post(appointment(parentId));
    const members: Group = {
      resourceType: 'Group',
      type: 'person',
      actual: true,
      member: [
        { entity: { reference: `Patient/${parentId}` } },
        { entity: { reference: `Patient/${childId}` } },
      ],
    };
    group = await post(members);
  }, 60_000);
  afterAll(() => hub.close());

  it('is hidden while the reader has a care relationship with only one of them', async () => {
    expect(await visible('Appointment', parentOnly)).toBe(true);
    expect(await visible('Appointment', shared)).toBe(false);
    expect(await visible('Group', group)).toBe(false);
    expect(await foundBy(`actor=Patient/${parentId}`)).toEqual([parentOnly]);
    const everything = (await gp.get(`/fhir/Patient/${parentId}/$everything`).expect(200)).body as Bundle;
    const ids = (everything.entry ?? []).map((e) => e.resource?.id);
    expect(ids).toContain(parentOnly);
    expect(ids).not.toContain(shared);
  });

  it("is in each patient's compartment for the agency that sent it", async () => {
    const everything = (await hospital.get(`/fhir/Patient/${childId}/$everything`).expect(200))
      .body as Bundle;
    expect((everything.entry ?? []).map((e) => e.resource?.id)).toEqual(
      expect.arrayContaining([shared, group]),
    );
  });

  it('is shown once the reader cares for both, and hidden again when one of them objects', async () => {
    await hospital
      .put(`/fhir/Patient/${childId}`)
      .set('content-type', FHIR_JSON)
      .send({ ...patient('Enfant', true), id: childId })
      .expect(200);
    expect(await visible('Appointment', shared)).toBe(true);
    expect(await visible('Group', group)).toBe(true);
    expect(await foundBy(`actor=Patient/${childId}`)).toEqual([shared]);

    // The child's objection to the GP practice: the parent's records stay shared, the joint ones do not.
    await post(privacyConsent(childId, 'chu', { type: 'deny', actor: [actor('cabinet')] }));
    expect(await visible('Appointment', parentOnly)).toBe(true);
    expect(await visible('Appointment', shared)).toBe(false);
    expect(await visible('Group', group)).toBe(false);
    expect(await foundBy(`actor=Patient/${parentId}`)).toEqual([parentOnly]);
  });
});
