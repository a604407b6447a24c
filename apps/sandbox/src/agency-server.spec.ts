import type { Bundle, BundleLink, Encounter, Observation, Patient } from 'fhir/r4';
import { type AgencyServer, startAgencyServer } from './agency-server';
import { asBody, fhirKitClient, type FhirKitClient, refusedStatus } from './fhir-kit.testing';

const MRN = 'https://hospital.example.org/fhir/sid/mrn';
const ENCOUNTER = 'https://hospital.example.org/fhir/sid/encounter';

function nextUrl(bundle: Bundle): string | undefined {
  return bundle.link?.find((l: BundleLink) => l.relation === 'next')?.url;
}

/** Every page of a search, following `next` links as a connector does. */
async function allPages(client: FhirKitClient, first: Bundle): Promise<Bundle[]> {
  const pages = [first];
  for (let page = first; nextUrl(page) !== undefined;) {
    const bundle = page as unknown as Parameters<FhirKitClient['nextPage']>[0]['bundle'];
    page = (await client.nextPage({ bundle })) as unknown as Bundle;
    pages.push(page);
  }
  return pages;
}

function resources<T>(pages: Bundle[]): T[] {
  return pages.flatMap((p) => (p.entry ?? []).map((e) => e.resource as T));
}

async function search<T>(
  client: FhirKitClient,
  resourceType: string,
  searchParams: Record<string, string>,
): Promise<Bundle> {
  return (await client.search({ resourceType, searchParams })) as unknown as Bundle & {
    entry?: { resource: T }[];
  };
}

describe('an agency server, through fhir-kit-client', () => {
  let hospital: AgencyServer;
  let client: FhirKitClient;

  beforeAll(async () => {
    hospital = await startAgencyServer({
      kind: 'hospital',
      seed: { patients: 4 },
      pages: { default: 10, max: 100 },
    });
    client = await fhirKitClient({ baseUrl: hospital.baseUrl });
  });

  afterAll(async () => {
    await hospital.close();
  });

  it('reads a seeded patient found by its agency identifier', async () => {
    const found = await search<Patient>(client, 'Patient', { identifier: `${MRN}|42-000000` });
    expect(found.total).toBe(1);
    const id = found.entry?.[0]?.resource?.id ?? '';
    const patient = (await client.read({ resourceType: 'Patient', id })) as unknown as Patient;
    expect(patient.identifier?.[0]).toMatchObject({ system: MRN, value: '42-000000' });
  });

  it('pages a search sorted by _lastUpdated through absolute next links, missing nothing', async () => {
    const all = await hospital.repository.searchResources({ resourceType: 'Observation' });
    const first = await search(client, 'Observation', {
      _lastUpdated: 'gt2000-01-01',
      _sort: '_lastUpdated',
      _count: '7',
    });
    const pages = await allPages(client, first);
    const seen = resources<Observation>(pages);

    expect(pages.length).toBe(Math.ceil(all.length / 7));
    expect(seen.map((o) => o.id).sort()).toEqual(all.map((o) => o.id).sort());
    const instants = seen.map((o) => o.meta?.lastUpdated ?? '');
    expect(instants).toEqual([...instants].sort());
    expect(new Set(instants).size).toBe(instants.length);
    for (const page of pages.slice(0, -1))
      expect(nextUrl(page)).toMatch(new RegExp(`^${hospital.baseUrl}/Observation\\?`));
  });

  it('answers _lastUpdated=gt<cursor> with exactly what changed since', async () => {
    const before = await search<Observation>(client, 'Observation', { _sort: '_lastUpdated', _count: '100' });
    const cursor = resources<Observation>(await allPages(client, before)).at(-1)?.meta?.lastUpdated ?? '';
    const changed = before.entry?.[0]?.resource as Observation;
    await client.update({
      resourceType: 'Observation',
      id: changed.id ?? '',
      body: { ...changed, status: 'amended' },
    });

    const since = await search<Observation>(client, 'Observation', {
      _lastUpdated: `gt${cursor}`,
      _sort: '_lastUpdated',
    });
    expect(resources<Observation>([since]).map((o) => [o.id, o.status])).toEqual([[changed.id, 'amended']]);
  });

  it('keeps paging exact when a resource already read changes between two pages', async () => {
    const first = await search<Encounter>(client, 'Encounter', { _sort: '_lastUpdated', _count: '3' });
    const total = first.total ?? 0;
    const read = resources<Encounter>([first]);
    await client.update({
      resourceType: 'Encounter',
      id: read[0].id ?? '',
      body: { ...read[0], status: 'cancelled' },
    });

    const rest = resources<Encounter>((await allPages(client, first)).slice(1));
    const ids = new Set([...read, ...rest].map((e) => e.id));
    // Offset paging would have skipped one: the updated encounter moved to the end.
    expect(ids.size).toBe(total);
  });

  it('makes one version of the same conditional update sent twice, and a new one when it changes', async () => {
    const body: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: ENCOUNTER, value: 'cond-1' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' },
    };
    const searchParams = { identifier: `${ENCOUNTER}|cond-1` };
    const first = (await client.update({
      resourceType: 'Encounter',
      searchParams,
      body: asBody(body),
    })) as unknown as Encounter;
    const again = (await client.update({
      resourceType: 'Encounter',
      searchParams,
      body: asBody(body),
    })) as unknown as Encounter;
    expect(again.id).toBe(first.id);
    expect(again.meta?.versionId).toBe(first.meta?.versionId);
    const history = (await client.history({
      resourceType: 'Encounter',
      id: first.id ?? '',
    })) as unknown as Bundle;
    expect(history.entry).toHaveLength(1);

    await client.update({
      resourceType: 'Encounter',
      searchParams,
      body: asBody({ ...body, status: 'cancelled' }),
    });
    const after = (await client.history({
      resourceType: 'Encounter',
      id: first.id ?? '',
    })) as unknown as Bundle;
    expect(after.entry).toHaveLength(2);
  });

  it('creates once with If-None-Exist', async () => {
    const body: Patient = { resourceType: 'Patient', identifier: [{ system: MRN, value: 'ine-1' }] };
    const options = { headers: { 'If-None-Exist': `identifier=${MRN}|ine-1` } };
    const first = (await client.create({
      resourceType: 'Patient',
      body: asBody(body),
      options,
    })) as unknown as Patient;
    const second = (await client.create({
      resourceType: 'Patient',
      body: asBody(body),
      options,
    })) as unknown as Patient;
    expect(second.id).toBe(first.id);
  });

  it('runs a transaction whose entries refer to each other by urn:uuid', async () => {
    const patientUrn = 'urn:uuid:0b9d7a52-1c1e-4c59-9a3c-2f4a4f0f0001';
    const response = (await client.transaction({
      body: {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          {
            fullUrl: patientUrn,
            resource: { resourceType: 'Patient', identifier: [{ system: MRN, value: 'tx-1' }] },
            request: { method: 'POST', url: 'Patient' },
          },
          {
            resource: {
              resourceType: 'Encounter',
              identifier: [{ system: ENCOUNTER, value: 'tx-1' }],
              status: 'finished',
              class: { code: 'AMB' },
              subject: { reference: patientUrn },
            },
            request: { method: 'PUT', url: `Encounter?identifier=${ENCOUNTER}|tx-1` },
          },
        ],
      },
    })) as unknown as Bundle;
    expect(response.type).toBe('transaction-response');
    expect(response.entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
    const patientId = response.entry?.[0]?.resource?.id;
    const encounter = (await client.read({
      resourceType: 'Encounter',
      id: response.entry?.[1]?.resource?.id ?? '',
    })) as unknown as Encounter;
    expect(encounter.subject?.reference).toBe(`Patient/${patientId}`);
  });

  it('patches with JSON Patch, searches by POST _search, deletes', async () => {
    const created = (await client.create({
      resourceType: 'Patient',
      body: asBody({ resourceType: 'Patient', identifier: [{ system: MRN, value: 'patch-1' }] }),
    })) as unknown as Patient;
    const url = `${hospital.baseUrl}/Patient/${created.id}`;
    const patched = await fetch(url, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify([{ op: 'add', path: '/gender', value: 'female' }]),
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ gender: 'female' });

    const found = await fetch(`${hospital.baseUrl}/Patient/_search`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ identifier: `${MRN}|patch-1` }).toString(),
    });
    expect(((await found.json()) as Bundle).total).toBe(1);

    expect((await fetch(url, { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(url)).status).toBe(404);
  });

  it('answers 404 with an OperationOutcome for an unknown resource', async () => {
    const error: unknown = await client
      .read({ resourceType: 'Patient', id: 'no-such-patient' })
      .catch((e: unknown) => e);
    expect(refusedStatus(error)).toBe(404);
  });

  it('describes itself at /metadata', async () => {
    const statement = (await client.capabilityStatement()) as unknown as {
      fhirVersion: string;
      rest: { resource: { type: string }[] }[];
    };
    expect(statement.fhirVersion).toBe('4.0.1');
    expect(statement.rest[0].resource.map((r) => r.type)).toContain('DiagnosticReport');
  });
});

describe('agency server auth', () => {
  let basic: AgencyServer;
  let bearer: AgencyServer;

  beforeAll(async () => {
    basic = await startAgencyServer({
      kind: 'gp',
      auth: { type: 'basic', username: 'gp', password: 's3cret' },
      seed: { patients: 2 },
    });
    bearer = await startAgencyServer({
      kind: 'specialist',
      auth: { type: 'bearer', token: 'token-abc' },
      seed: { patients: 1 },
      pages: { default: 1, max: 1 },
    });
  });

  afterAll(async () => {
    await Promise.all([basic.close(), bearer.close()]);
  });

  it('refuses a request without credentials with 401 and a Basic challenge', async () => {
    const response = await fetch(`${basic.baseUrl}/Patient`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm="gp"/);
    expect(await response.json()).toMatchObject({ resourceType: 'OperationOutcome' });
  });

  it('refuses a wrong password and accepts the right one', async () => {
    const wrong = await fhirKitClient({
      baseUrl: basic.baseUrl,
      customHeaders: { Authorization: `Basic ${Buffer.from('gp:nope').toString('base64')}` },
    });
    expect(refusedStatus(await wrong.search({ resourceType: 'Patient' }).catch((e: unknown) => e))).toBe(401);
    const right = await fhirKitClient({
      baseUrl: basic.baseUrl,
      customHeaders: { Authorization: `Basic ${Buffer.from('gp:s3cret').toString('base64')}` },
    });
    expect(((await right.search({ resourceType: 'Patient' })) as unknown as Bundle).total).toBe(2);
  });

  it('refuses a missing or wrong bearer token and follows next links with the right one', async () => {
    const anonymous = await fhirKitClient({ baseUrl: bearer.baseUrl });
    expect(refusedStatus(await anonymous.search({ resourceType: 'Patient' }).catch((e: unknown) => e))).toBe(
      401,
    );
    const wrong = await fhirKitClient({ baseUrl: bearer.baseUrl, bearerToken: 'token-abd' });
    expect(refusedStatus(await wrong.search({ resourceType: 'Patient' }).catch((e: unknown) => e))).toBe(401);

    const right = await fhirKitClient({ baseUrl: bearer.baseUrl, bearerToken: 'token-abc' });
    const first = (await right.search({
      resourceType: 'Organization',
      searchParams: { _sort: '_lastUpdated' },
    })) as unknown as Bundle;
    const pages = await allPages(right, first);
    expect(pages.length).toBe(first.total);
  });

  it('lets anyone read /metadata, as SMART clients expect', async () => {
    expect((await fetch(`${bearer.baseUrl}/metadata`)).status).toBe(200);
  });
});
