import { getStatus } from '@medplum/core';
import { FhirRouter, type FhirRequest } from '@medplum/fhir-router';
import type { Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { loadFhirDefinitions } from './medplum-definitions';
import { SandboxRepository } from './sandbox-repository';

const MRN = 'https://gp.example.org/fhir/sid/mrn';

function patient(value: string, family = 'Martin'): Patient {
  return { resourceType: 'Patient', identifier: [{ system: MRN, value }], name: [{ family }] };
}

function put(url: string, body: unknown): FhirRequest {
  return { method: 'PUT', url, pathname: '', params: {}, query: {}, body, config: { transactions: true } };
}

describe('SandboxRepository', () => {
  let repo: SandboxRepository;

  beforeAll(() => loadFhirDefinitions());
  beforeEach(() => {
    repo = new SandboxRepository();
  });

  it('assigns meta.lastUpdated itself, ignoring the client’s, strictly increasing', async () => {
    const created = [];
    for (let i = 0; i < 50; i++) {
      created.push(
        await repo.createResource({
          ...patient(String(i)),
          meta: { lastUpdated: '2001-01-01T00:00:00.000Z', versionId: 'mine' },
        }),
      );
    }
    const instants = created.map((p) => Date.parse(p.meta?.lastUpdated ?? ''));
    for (let i = 1; i < instants.length; i++) expect(instants[i]).toBeGreaterThan(instants[i - 1]);
    expect(instants[0]).toBeGreaterThan(Date.parse('2020-01-01'));
    expect(created.every((p) => p.meta?.versionId !== 'mine')).toBe(true);
  });

  it('keeps the version when an update changes nothing, and makes one when it does', async () => {
    const created = await repo.createResource(patient('1'));
    const same = await repo.updateResource({ ...patient('1'), id: created.id });
    expect(same.meta).toEqual(created.meta);
    const changed = await repo.updateResource({ ...patient('1', 'Durand'), id: created.id });
    expect(changed.meta?.versionId).not.toBe(created.meta?.versionId);
    const history = await repo.readHistory('Patient', created.id);
    expect(history.entry).toHaveLength(2);
  });

  it('still refuses an update whose If-Match names another version, even with the same content', async () => {
    const created = await repo.createResource(patient('1'));
    const refused: unknown = await repo
      .updateResource({ ...patient('1'), id: created.id }, { ifMatch: 'older' })
      .catch((e: unknown) => e);
    expect(refused).toHaveProperty('outcome');
    expect(getStatus((refused as { outcome: OperationOutcome }).outcome)).toBe(412);
  });

  it('serialises conditional updates arriving together: one resource, created once', async () => {
    const router = new FhirRouter();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () =>
        router.handleRequest(put(`Patient?identifier=${MRN}|1`, patient('1')), repo),
      ),
    );
    expect(answers.map(([outcome]) => getStatus(outcome)).sort()).toEqual([200, 200, 200, 200, 201]);
    expect(await repo.searchResources({ resourceType: 'Patient' })).toHaveLength(1);
  });

  it('runs conditional updates inside a transaction Bundle (a transaction within a transaction)', async () => {
    const router = new FhirRouter();
    const [outcome, response] = await router.handleRequest(
      {
        method: 'POST',
        url: '',
        pathname: '',
        params: {},
        query: {},
        body: {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: ['1', '2'].map((value) => ({
            resource: patient(value),
            request: { method: 'PUT', url: `Patient?identifier=${MRN}|${value}` },
          })),
        },
        config: { transactions: true },
      },
      repo,
    );
    expect(getStatus(outcome)).toBe(200);
    expect((response as Bundle).entry?.map((e) => e.response?.status)).toEqual(['201', '201']);
  });
});
