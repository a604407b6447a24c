import type { Bundle, BundleEntry } from 'fhir/r4';
import {
  actor,
  privacyConsent,
  PSY,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

/**
 * Chained parameters and `_has` never match through a resource the caller may not see: the
 * GP's own Encounter about a patient whose record the GP may not see is found by its reference,
 * never by the hidden patient's name; a patient is never found by a hidden Observation.
 */
const FHIR_JSON = 'application/fhir+json';

const ids = (b: Bundle) =>
  (b.entry ?? [])
    .filter((e: BundleEntry) => e.search?.mode === 'match')
    .map((e) => e.resource?.id)
    .sort();

describe.each(STORE_KINDS)('chains and _has under consent on %s', (kind) => {
  let hub: TestHub;
  let chu: ReturnType<typeof request.agent>;
  let gp: ReturnType<typeof request.agent>;
  const id: Record<string, string> = {};

  const post = async (as: ReturnType<typeof request.agent>, body: object): Promise<string> =>
    (
      await as
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body.id as string;
  const search = async (as: ReturnType<typeof request.agent>, query: string) =>
    ids((await as.get(`/fhir/${query}`).expect(200)).body as Bundle);
  const total = async (as: ReturnType<typeof request.agent>, query: string) =>
    ((await as.get(`/fhir/${query}&_summary=count`).expect(200)).body as Bundle).total;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const token = async (agencyId: string, agencyKind: 'hospital' | 'gp') =>
      `Bearer ${await (await registerAgency(hub, { id: agencyId, kind: agencyKind })).token()}`;
    chu = request.agent(hub.url).set('authorization', await token('chu', 'hospital'));
    gp = request.agent(hub.url).set('authorization', await token('cabinet', 'gp'));
    // Two patients of the hospital, both with the practice as GP of record (a care relationship);
    // one of them objects to the GP seeing anything, once the GP has written about each.
    const gpOfRecord = [{ reference: 'Organization/cabinet' }];
    id.hidden = await post(chu, {
      resourceType: 'Patient',
      name: [{ family: 'Cachechaine' }],
      birthDate: '1961',
      generalPractitioner: gpOfRecord,
    });
    id.shown = await post(chu, {
      resourceType: 'Patient',
      name: [{ family: 'Montrechaine' }],
      birthDate: '1962',
      generalPractitioner: gpOfRecord,
    });
    // The GP's own Encounters about each.
    for (const who of ['hidden', 'shown']) {
      id[`enc-${who}`] = await post(gp, {
        resourceType: 'Encounter',
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
        subject: { reference: `Patient/${id[who]}` },
      });
    }
    await post(chu, privacyConsent(id.hidden, 'chu', { type: 'deny', actor: [actor('cabinet')] }));
    const observation = (patient: string, code: string, sensitive = false) => ({
      resourceType: 'Observation',
      ...(sensitive ? { meta: { security: [PSY] } } : {}),
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: `Patient/${patient}` },
      effectiveDateTime: '2025-02-01T09:00:00Z',
    });
    id['obs-hidden'] = await post(chu, observation(id.hidden, 'chain-1'));
    id['obs-shown'] = await post(chu, observation(id.shown, 'chain-1'));
    id['obs-psy'] = await post(chu, observation(id.shown, 'chain-2', true));
  });
  afterAll(() => hub.close());

  it('a chain matches only through a patient the caller may see', async () => {
    // The GP's Encounter about the hidden patient is the GP's own: found by its reference ...
    expect(await search(gp, `Encounter?subject=Patient/${id.hidden}`)).toEqual([id['enc-hidden']]);
    // ... but the hidden patient's name, birth date or id through a chain never finds it.
    expect(await search(gp, 'Encounter?subject.family=cachechaine')).toEqual([]);
    expect(await search(gp, 'Encounter?subject:Patient.birthdate=1961')).toEqual([]);
    expect(await search(gp, `Encounter?subject._id=${id.hidden}`)).toEqual([]);
    expect(await total(gp, 'Encounter?patient.family=cachechaine')).toBe(0);
    // A patient the GP may see is matched as usual.
    expect(await search(gp, 'Encounter?subject.family=montrechaine')).toEqual([id['enc-shown']]);
    expect(await search(gp, 'Encounter?subject:Patient.birthdate=1962')).toEqual([id['enc-shown']]);
    // The hospital sees its patient, so its own chain finds the hidden patient's data.
    expect(await search(chu, 'Observation?subject.family=cachechaine')).toEqual([id['obs-hidden']]);
  });

  it('_has finds a patient only through Observations the caller may see', async () => {
    expect(await search(gp, 'Patient?_has:Observation:subject:code=chain-1')).toEqual([id.shown]);
    // A sensitive Observation (no explicit permit) reveals nothing, not even that it exists.
    expect(await search(gp, 'Patient?_has:Observation:subject:code=chain-2')).toEqual([]);
    expect(await total(gp, 'Patient?_has:Observation:patient:code=chain-2')).toBe(0);
    // The hospital, which sent them, finds both patients and the sensitive one.
    expect(await search(chu, 'Patient?_has:Observation:subject:code=chain-1')).toEqual(
      [id.hidden, id.shown].sort(),
    );
    expect(await search(chu, 'Patient?_has:Observation:subject:code=chain-2')).toEqual([id.shown]);
  });

  it('_has narrowed by the search’s own criteria still follows only what the caller may see', async () => {
    // The Patients born in 1962 narrow the Observations read: the sensitive one is still hidden.
    expect(await search(gp, 'Patient?_has:Observation:subject:code=chain-2&birthdate=1962')).toEqual([]);
    expect(await total(gp, 'Patient?_has:Observation:subject:code=chain-2&birthdate=1962')).toBe(0);
    expect(await search(gp, 'Patient?_has:Observation:subject:code=chain-1&birthdate=1962')).toEqual([
      id.shown,
    ]);
    expect(await search(gp, `Patient?_has:Observation:subject:code=chain-1&_id=${id.hidden}`)).toEqual([]);
    // The hospital sees both, narrowed or not; a narrowing that excludes every match finds nothing.
    expect(await search(chu, 'Patient?_has:Observation:subject:code=chain-2&birthdate=1962')).toEqual([
      id.shown,
    ]);
    expect(await search(chu, 'Patient?_has:Observation:subject:code=chain-1&family=cachechaine')).toEqual([
      id.hidden,
    ]);
    expect(await search(chu, 'Patient?_has:Observation:subject:code=chain-2&birthdate=1961')).toEqual([]);
  });

  it('_has whose own criteria match more than it narrows by (100) still finds the last of them', async () => {
    // 105 Patients named alike, one transaction; only the last written has an Observation coded
    // many-1: narrowed to the first 100 by last update, it would be missed.
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: Array.from({ length: 105 }, (_, i) => ({
        fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        resource: { resourceType: 'Patient', name: [{ family: 'Nombreuxhas' }], birthDate: '1970' },
        request: { method: 'POST', url: 'Patient' },
      })),
    };
    const answer = (await chu.post('/fhir').set('content-type', FHIR_JSON).send(bundle).expect(200))
      .body as Bundle;
    const created = (answer.entry ?? []).map((e) => e.response?.location?.split('/')[1] ?? '');
    expect(created).toHaveLength(105);
    const last = (await search(chu, 'Patient?family=nombreuxhas&_sort=-_lastUpdated,-_id&_count=1'))[0];
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: 'many-1' }] },
      subject: { reference: `Patient/${last}` },
    };
    await post(chu, observation);
    expect(await search(chu, 'Patient?_has:Observation:subject:code=many-1&family=nombreuxhas')).toEqual([
      last,
    ]);
    expect(await search(chu, 'Patient?_has:Observation:subject:code=many-1&birthdate=1970')).toEqual([last]);
  });
});
