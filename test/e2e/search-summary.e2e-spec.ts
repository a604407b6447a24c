import type { Bundle, Observation, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

const FHIR_JSON = 'application/fhir+json';
const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };

describe.each(STORE_KINDS)('_summary and _elements on %s', (kind) => {
  let hub: TestHub;
  let api: ReturnType<typeof request.agent>;
  let patientId: string;

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const agency = await registerAgency(hub, { id: 'gp-sum' });
    api = request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`);
    const patient: Patient = {
      resourceType: 'Patient',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Summary Person</div>' },
      identifier: [{ system: 'https://gp.example.org/mrn', value: 'SUM-1' }],
      name: [{ family: 'Summary', given: ['Person'] }],
      gender: 'female',
      birthDate: '1970-01-01',
      maritalStatus: { text: 'single' },
    };
    patientId = (await api.post('/fhir/Patient').set('content-type', FHIR_JSON).send(patient).expect(201))
      .body.id;
    const obs: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'heart rate' },
      subject: { reference: `Patient/${patientId}` },
      note: [{ text: 'not a summary element' }],
      valueQuantity: { value: 60 },
    };
    await api.post('/fhir/Observation').set('content-type', FHIR_JSON).send(obs).expect(201);
  });
  afterAll(() => hub.close());

  it('_summary=true on a search: summary elements only, includes too, tagged SUBSETTED', async () => {
    const bundle: Bundle = (
      await api
        .get(`/fhir/Observation?patient=${patientId}&_include=Observation:patient&_summary=true`)
        .expect(200)
    ).body;
    const [obs, patient] = [
      bundle.entry?.[0]?.resource as Observation,
      bundle.entry?.[1]?.resource as Patient,
    ];
    expect(obs.note).toBeUndefined();
    expect(obs.valueQuantity).toEqual({ value: 60 });
    expect(obs.meta?.tag).toContainEqual(expect.objectContaining(SUBSETTED));
    expect(patient.resourceType).toBe('Patient');
    expect(patient.maritalStatus).toBeUndefined();
    expect(patient.text).toBeUndefined();
    expect(patient.name).toEqual([{ family: 'Summary', given: ['Person'] }]);
    expect(patient.meta?.tag).toContainEqual(expect.objectContaining(SUBSETTED));
    expect(bundle.link?.[0]?.url).toContain('_summary=true');
  });

  it('_summary=count answers the total alone', async () => {
    const bundle: Bundle = (
      await api.get(`/fhir/Observation?patient=${patientId}&_summary=count`).expect(200)
    ).body;
    expect(bundle.total).toBe(1);
    expect(bundle.entry).toBeUndefined();
  });

  it('_elements on a search and on a read keeps what is named, id, meta and mandatory elements', async () => {
    const bundle: Bundle = (
      await api.get(`/fhir/Observation?patient=${patientId}&_elements=note`).expect(200)
    ).body;
    expect(Object.keys(bundle.entry?.[0]?.resource ?? {}).sort()).toEqual(
      ['code', 'id', 'meta', 'note', 'resourceType', 'status'].sort(),
    );
    const read: Patient = (await api.get(`/fhir/Patient/${patientId}?_elements=birthDate`).expect(200)).body;
    expect(Object.keys(read).sort()).toEqual(['birthDate', 'id', 'meta', 'resourceType']);
    expect(read.meta?.tag).toContainEqual(expect.objectContaining(SUBSETTED));
  });

  it('_summary=text and data on a read', async () => {
    const text: Patient = (await api.get(`/fhir/Patient/${patientId}?_summary=text`).expect(200)).body;
    expect(Object.keys(text).sort()).toEqual(['id', 'meta', 'resourceType', 'text']);
    const data: Patient = (await api.get(`/fhir/Patient/${patientId}/_history/1?_summary=data`).expect(200))
      .body;
    expect(data.text).toBeUndefined();
    expect(data.maritalStatus).toEqual({ text: 'single' });
    const whole: Patient = (await api.get(`/fhir/Patient/${patientId}`).expect(200)).body;
    expect(whole.text).toBeDefined();
    expect(whole.meta?.tag).toBeUndefined();
  });

  it('refuses what it cannot honour with a 400 naming it', async () => {
    const bad = async (path: string) => (await api.get(path).expect(400)).body.issue[0].diagnostics as string;
    expect(await bad('/fhir/Patient?_summary=maybe')).toMatch(/_summary: maybe/);
    expect(await bad('/fhir/Patient?_elements=colour')).toMatch(/Patient has no element colour/);
    expect(await bad('/fhir/Patient?_elements=name&_summary=true')).toMatch(/one of them/);
    expect(await bad(`/fhir/Patient/${patientId}?_summary=count`)).toMatch(/searches only/);
  });
});
