import type { Consent, Observation, Patient } from 'fhir/r4';
import {
  actor,
  privacyConsent,
  registerAgency,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestAgency,
  type TestHub,
} from '@passerelle/testing';

const FHIR_JSON = 'application/fhir+json';

/** An access token from `hub` itself (each hub is its own token audience). */
async function tokenAt(hub: TestHub, agency: TestAgency): Promise<string> {
  const res = await fetch(`${hub.url}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: agency.assertion({ aud: `${hub.url}/auth/token` }),
      scope: 'system/*.cruds',
      purpose_of_use: 'TREAT',
    }),
  });
  const body = (await res.json()) as { access_token?: string };
  if (res.status !== 200 || !body.access_token)
    throw new Error(`token: ${res.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** This hub's count of checked reads by where the person's decision input came from. */
async function inputs(hub: TestHub): Promise<{ held: number; read: number }> {
  const text = await (
    await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
  ).text();
  const count = (source: string) =>
    Number(
      new RegExp(`^passerelle_consent_inputs_total\\{source="${source}"\\} (\\S+)$`, 'm').exec(text)?.[1],
    );
  return { held: count('held'), read: count('read') };
}

/**
 * Two hubs on one PostgreSQL database, each holding persons' consent inputs in memory: a change
 * recorded through one (a revocation, its withdrawal, the end of a care relationship) holds at
 * the other's very next read, because the read checks the person's consent version in the
 * statement that reads the row.
 */
describe('consent decided afresh across hubs on one database', () => {
  let a: TestHub;
  let b: TestHub;
  let hospital: TestAgency;
  let gp: TestAgency;
  let patientId: string;
  let observationId: string;

  const send = async (hub: TestHub, token: string, method: string, path: string, body: object) => {
    const res = await fetch(`${hub.fhir}/${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': FHIR_JSON },
      body: JSON.stringify(body),
    });
    expect({ path, status: res.status }).toEqual({ path, status: method === 'POST' ? 201 : 200 });
    return (await res.json()) as { id: string };
  };
  /** The GP's read of the hospital's Observation through hub A. */
  const readAtA = async () =>
    (
      await fetch(`${a.fhir}/Observation/${observationId}`, {
        headers: { authorization: `Bearer ${await tokenAt(a, gp)}` },
      })
    ).status;
  const patient = (gpOfRecord: boolean): Patient => ({
    resourceType: 'Patient',
    identifier: [{ system: 'https://chu.example/mrn', value: 'TWO-HUBS-1' }],
    name: [{ family: 'Lemoine', given: ['Claire'] }],
    gender: 'female',
    birthDate: '1968-05-12',
    ...(gpOfRecord ? { generalPractitioner: [{ reference: 'Organization/cabinet' }] } : {}),
  });

  beforeAll(async () => {
    a = await startTestHub('postgres');
    hospital = await registerAgency(a, { id: 'chu' });
    gp = await registerAgency(a, { id: 'cabinet', kind: 'gp' });
    const token = await tokenAt(a, hospital);
    // The practice is the GP of record: a care relationship with the patient.
    patientId = (await send(a, token, 'POST', 'Patient', patient(true))).id;
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
      subject: { reference: `Patient/${patientId}` },
    };
    observationId = (await send(a, token, 'POST', 'Observation', observation)).id;
    b = await startTestHub('postgres', { database: a.database });
  }, 120_000);
  afterAll(async () => {
    await b?.close();
    await a?.close(); // drops the database both used
  });

  it("refuses at hub A's next read what hub B's revocation took away, and shows it again once withdrawn", async () => {
    expect(await readAtA()).toBe(200);
    const before = await inputs(a);
    expect(await readAtA()).toBe(200);
    // The second read was decided on the input hub A held.
    expect(await inputs(a)).toEqual({ held: before.held + 1, read: before.read });

    const atB = await tokenAt(b, hospital);
    const objection = privacyConsent(patientId, 'chu', { type: 'deny', actor: [actor('cabinet')] });
    const recorded = (await send(b, atB, 'POST', 'Consent', objection)) as Consent & { id: string };
    expect(await readAtA()).toBe(404);
    expect((await inputs(a)).read).toBe(before.read + 1);

    await send(b, atB, 'PUT', `Consent/${recorded.id}`, { ...recorded, status: 'inactive' });
    expect(await readAtA()).toBe(200);
  });

  it("refuses at hub A's next read once hub B ends the care relationship", async () => {
    expect(await readAtA()).toBe(200);
    const atB = await tokenAt(b, hospital);
    await send(b, atB, 'PUT', `Patient/${patientId}`, { ...patient(false), id: patientId });
    expect(await readAtA()).toBe(404);
    await send(b, atB, 'PUT', `Patient/${patientId}`, { ...patient(true), id: patientId });
    expect(await readAtA()).toBe(200);
  });
});
