import { FhirRouter, type FhirRequest, type HttpMethod, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { getStatus } from '@medplum/core';
import { loadFhirDefinitions } from './medplum-definitions';

/**
 * What Medplum's FhirRouter + MemoryRepository (4.5.2) really do, untouched, on what the
 * connectors need. Where a test pins a gap, SandboxRepository or the HTTP adapter closes it
 * (see sandbox-repository.spec.ts and agency-server.spec.ts) or the README lists it.
 */

const MRN = 'https://hospital.example.org/fhir/sid/mrn';

function request(
  method: HttpMethod,
  url: string,
  body?: unknown,
  headers?: Record<string, string>,
): FhirRequest {
  return { method, url, pathname: '', params: {}, query: {}, body, headers, config: { transactions: true } };
}

async function call(
  router: FhirRouter,
  repo: MemoryRepository,
  ...args: Parameters<typeof request>
): Promise<{ status: number; outcome: OperationOutcome; resource: Resource | undefined }> {
  const [outcome, resource] = await router.handleRequest(request(...args), repo);
  return { status: getStatus(outcome), outcome, resource };
}

function patient(mrn: string, family = 'Martin'): Patient {
  return { resourceType: 'Patient', identifier: [{ system: MRN, value: mrn }], name: [{ family }] };
}

describe('Medplum MemoryRepository behind FhirRouter (as published)', () => {
  let router: FhirRouter;
  let repo: MemoryRepository;

  beforeAll(() => loadFhirDefinitions());

  beforeEach(() => {
    router = new FhirRouter();
    repo = new MemoryRepository();
  });

  it('conditional update creates (201) then updates (200) the one match', async () => {
    const first = await call(router, repo, 'PUT', `Patient?identifier=${MRN}|1`, patient('1'));
    const second = await call(
      router,
      repo,
      'PUT',
      `Patient?identifier=${MRN}|1`,
      patient('1', 'Martin-Durand'),
    );
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.resource?.id).toBe(first.resource?.id);
  });

  it('GAP: the same conditional update twice makes two versions', async () => {
    const first = await call(router, repo, 'PUT', `Patient?identifier=${MRN}|1`, patient('1'));
    await call(router, repo, 'PUT', `Patient?identifier=${MRN}|1`, patient('1'));
    const history = await call(router, repo, 'GET', `Patient/${first.resource?.id}/_history`);
    expect((history.resource as Bundle).entry).toHaveLength(2);
  });

  it('GAP: a client-supplied meta.lastUpdated is kept on create', async () => {
    const created = await call(router, repo, 'POST', 'Patient', {
      ...patient('1'),
      meta: { lastUpdated: '2001-01-01T00:00:00.000Z' },
    });
    expect(created.resource?.meta?.lastUpdated).toBe('2001-01-01T00:00:00.000Z');
  });

  it('searches _lastUpdated=gt strictly after, sorts by _lastUpdated, pages with _count/_offset', async () => {
    for (const [i, at] of [
      '2020-01-01T00:00:00.001Z',
      '2020-01-01T00:00:00.002Z',
      '2020-01-01T00:00:00.003Z',
    ].entries()) {
      await repo.createResource({ ...patient(String(i)), meta: { lastUpdated: at } });
    }
    const found = await call(
      router,
      repo,
      'GET',
      'Patient?_lastUpdated=gt2020-01-01T00:00:00.001Z&_sort=_lastUpdated&_count=1&_offset=1',
    );
    const bundle = found.resource as Bundle<Patient>;
    expect(bundle.total).toBe(2);
    expect(bundle.entry?.map((e) => e.resource?.identifier?.[0]?.value)).toEqual(['2']);
    // GAP: no self or next link; the HTTP adapter adds them.
    expect(bundle.link).toBeUndefined();
  });

  it('reads a date without milliseconds as its whole second: gt10:00:00Z excludes 10:00:00.500Z', async () => {
    await repo.createResource({ ...patient('1'), meta: { lastUpdated: '2020-01-01T10:00:00.500Z' } });
    const found = await call(router, repo, 'GET', 'Patient?_lastUpdated=gt2020-01-01T10:00:00Z');
    expect((found.resource as Bundle).total).toBe(0);
  });

  it('honours If-None-Exist on create', async () => {
    const first = await call(router, repo, 'POST', 'Patient', patient('1'), {
      'if-none-exist': `identifier=${MRN}|1`,
    });
    const second = await call(router, repo, 'POST', 'Patient', patient('1'), {
      'if-none-exist': `identifier=${MRN}|1`,
    });
    expect([first.status, second.status]).toEqual([201, 200]);
    expect(second.resource?.id).toBe(first.resource?.id);
  });

  it('runs a transaction, rewriting urn:uuid references to the ids it assigns', async () => {
    const result = await call(router, repo, 'POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6e3b4c1a-0000-4000-8000-000000000001',
          resource: patient('1'),
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'Poids' },
            subject: { reference: 'urn:uuid:6e3b4c1a-0000-4000-8000-000000000001' },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    const bundle = result.resource as Bundle;
    expect(bundle.type).toBe('transaction-response');
    const [created, observation] = bundle.entry ?? [];
    expect(observation.resource).toMatchObject({ subject: { reference: `Patient/${created.resource?.id}` } });
  });

  it('LIMIT: refuses a transaction of more than 8 entries once one is conditional', async () => {
    const entry = Array.from({ length: 9 }, (_, i) => ({
      resource: patient(String(i)),
      request: { method: 'PUT' as const, url: `Patient?identifier=${MRN}|${i}` },
    }));
    const result = await call(router, repo, 'POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry,
    });
    expect(result.status).toBe(400);
    expect(result.outcome.issue?.[0]?.details?.text).toMatch(/too many entries/);
  });

  it('GAP: a transaction is not atomic: a failing entry leaves the earlier ones written', async () => {
    const result = await call(router, repo, 'POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: patient('1'), request: { method: 'POST', url: 'Patient' } },
        { resource: patient('2'), request: { method: 'PUT', url: 'Patient/does-not-match' } },
      ],
    });
    expect(result.status).toBe(400);
    expect((await repo.searchResources({ resourceType: 'Patient' })).length).toBe(1);
  });

  it('GAP: conditional references inside a transaction are stored as written, not resolved', async () => {
    const target = await call(router, repo, 'POST', 'Patient', patient('1'));
    const result = await call(router, repo, 'POST', '', {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: {
            resourceType: 'Observation',
            status: 'final',
            code: { text: 'Poids' },
            subject: { reference: `Patient?identifier=${MRN}|1` },
          },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    });
    const stored = (result.resource as Bundle).entry?.[0]?.resource;
    expect(stored).toMatchObject({ subject: { reference: `Patient?identifier=${MRN}|1` } });
    expect(target.resource?.id).toBeDefined();
  });

  it('GAP: two conditional updates arriving together both create', async () => {
    const results = await Promise.all(
      [1, 2].map(() => call(router, repo, 'PUT', `Patient?identifier=${MRN}|1`, patient('1'))),
    );
    expect(results.map((r) => r.status)).toEqual([201, 201]);
    expect((await repo.searchResources({ resourceType: 'Patient' })).length).toBe(2);
  });

  it('GAP: resources are not validated', async () => {
    const created = await call(router, repo, 'POST', 'Patient', {
      resourceType: 'Patient',
      gender: 'unknown-to-fhir',
      birthDate: 'yesterday',
    });
    expect(created.status).toBe(201);
  });
});
