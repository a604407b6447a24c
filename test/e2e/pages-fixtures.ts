import type { FhirResource, Patient, Resource } from 'fhir/r4';
import { qualifiedInsExtension } from '@passerelle/identity';
import { PSY, registerAgency, startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '@passerelle/testing';
import { DataSource } from 'typeorm';

/**
 * The pages' end-to-end world, on the embedded default (PGlite): a hospital and a GP practice
 * holding the same person (linked on a qualified INS), a specialist clinic with no care
 * relationship to them, and accounts for a clinician of each plus an operator.
 */

export const INS_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
export const INS = '275034412345657';
export const PASSWORD = 'a long enough demo passphrase';
export const PRACTITIONER = 'https://rpps.esante.gouv.fr|10101010101';
export const SENSITIVE_MARKER = 'HIDDEN-PSY-MARKER';

export interface PagesWorld {
  hub: TestHub;
  db: DataSource;
  gpPatient: string;
  hospitalPatient: string;
  /** Writes a resource as the hospital, returns its id. */
  writeAsHospital(body: FhirResource): Promise<string>;
  writeAsGp(body: FhirResource): Promise<string>;
  close(): Promise<void>;
}

function patient(mrnSystem: string, mrn: string): Patient {
  return {
    resourceType: 'Patient',
    extension: [qualifiedInsExtension()],
    identifier: [
      { system: mrnSystem, value: mrn },
      { system: INS_SYSTEM, value: INS },
    ],
    name: [{ use: 'official', family: 'Le Gall-Ménard', given: ['Maëlle'] }],
    gender: 'female',
    birthDate: '1975-03-14',
  };
}

export async function admin(hub: TestHub, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${hub.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

export async function createPagesWorld(env: Record<string, string> = {}): Promise<PagesWorld> {
  const hub = await startTestHub('pglite', { env });
  const chu = await registerAgency(hub, { id: 'chu' });
  const cabinet = await registerAgency(hub, { id: 'cabinet', kind: 'gp' });
  await registerAgency(hub, { id: 'clinique', kind: 'specialist' });
  const write = async (token: string, body: Resource): Promise<string> => {
    const res = await fetch(`${hub.fhir}/${body.resourceType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201)
      throw new Error(`writing ${body.resourceType}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as Resource).id ?? '';
  };
  const h = await chu.token();
  const g = await cabinet.token();
  const hospitalPatient = await write(h, patient('https://chu.example/mrn', 'H1'));
  const gpPatient = await write(g, patient('https://cabinet.example/mrn', 'G1'));
  const subject = (id: string) => ({ reference: `Patient/${id}` });
  await write(h, {
    resourceType: 'AllergyIntolerance',
    code: { text: 'Penicillin' },
    criticality: 'high',
    patient: subject(hospitalPatient),
    recordedDate: '2020-04-01',
  } as Resource);
  await write(h, {
    resourceType: 'Condition',
    meta: { security: [PSY] },
    code: { text: `Depressive episode ${SENSITIVE_MARKER}` },
    subject: subject(hospitalPatient),
    recordedDate: '2024-11-02',
  } as Resource);
  await write(g, {
    resourceType: 'Condition',
    category: [{ coding: [{ code: 'problem-list-item' }] }],
    code: { text: 'Type 2 diabetes' },
    subject: subject(gpPatient),
    recordedDate: '2021-06-01',
  } as Resource);
  const account = (body: Record<string, unknown>) =>
    admin(hub, 'POST', '/admin/accounts', { password: PASSWORD, ...body });
  await account({
    kind: 'clinician',
    username: 'dr.gp',
    displayName: 'Dr Claire Martin',
    agency: 'cabinet',
    practitioner: PRACTITIONER,
  });
  await account({
    kind: 'clinician',
    username: 'dr.other',
    displayName: 'Dr Paul Other',
    agency: 'clinique',
    practitioner: 'https://rpps.esante.gouv.fr|20202020202',
  });
  await account({
    kind: 'operator',
    username: 'ops',
    displayName: 'Olivia Operator',
    roles: ['admin', 'mailroom'],
  });
  await account({
    kind: 'clinician',
    username: 'dr.locked',
    displayName: 'Dr Locked',
    agency: 'cabinet',
    practitioner: 'x|1',
  });
  return {
    hub,
    db: hub.app.get(DataSource),
    gpPatient,
    hospitalPatient,
    writeAsHospital: (body) => write(h, body),
    writeAsGp: (body) => write(g, body),
    close: () => hub.close(),
  };
}
