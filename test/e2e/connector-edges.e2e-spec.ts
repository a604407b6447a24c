import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Observation as MedplumObservation } from '@medplum/fhirtypes';
import type { Encounter, Patient, Resource } from 'fhir/r4';
import { startTestHub, type TestHub } from '@passerelle/testing';
import { type Connector, type CycleHooks, HubTokenProvider, pullStream } from '../../apps/connector/src';
import { fetchAll, sameInstantServer } from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';

import { firstIdentifier, type Harness, registerAgency, startConnector } from './connector-harness';

/**
 * Cases that depend on the connector alone, not on the store engine (connector.e2e-spec runs
 * the cursors on both): run once, with the hub on PostgreSQL.
 */
describe('connector edge cases', () => {
  const h: Harness = { dir: '', databases: [], connectors: [] };
  let hub: TestHub;
  const servers: AgencyServer[] = [];

  const hubRead = async (connector: Connector, type: string) => {
    const reader = new HubTokenProvider({ ...connector.config.hub, scope: 'system/*.rs' });
    return fetchAll(hub.fhir, type, { authorization: `Bearer ${await reader.token()}` });
  };
  const post = async (server: AgencyServer, resource: Resource, headers: Record<string, string> = {}) => {
    const res = await fetch(`${server.baseUrl}/${resource.resourceType}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json', ...headers },
      body: JSON.stringify(resource),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as Resource;
  };

  beforeAll(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'passerelle-connector-'));
    hub = await startTestHub('postgres');
  });

  afterAll(async () => {
    for (const c of h.connectors) await c.close();
    for (const s of servers) await s.close();
    await hub?.close();
    for (const d of h.databases) await d.drop();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('waits for a patient created while the cycle runs, instead of dropping what references it', async () => {
    const hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 1 } });
    servers.push(hospital);
    const key = await registerAgency(h, hub, hospital);
    let created = false;
    const hooks: CycleHooks = {
      // After the patients were pushed, a new patient and their stay appear at the hospital.
      afterPush: async (type) => {
        if (type !== 'Patient' || created) return;
        created = true;
        const patient = await post(hospital, {
          resourceType: 'Patient',
          identifier: [{ system: `${hospital.identity.identifierSystem}/mrn`, value: 'LATE-1' }],
          name: [{ family: 'Tardif' }],
        } as Patient);
        await post(hospital, {
          resourceType: 'Encounter',
          identifier: [{ system: `${hospital.identity.identifierSystem}/encounter`, value: 'LATE-STAY' }],
          status: 'in-progress',
          class: { code: 'IMP' },
          subject: { reference: `Patient/${patient.id}` },
        } as Encounter);
      },
    };
    const { connector } = await startConnector(h, hub, hospital, key, 'postgres', { hooks });
    const report = await connector.cycle.pullOnce();
    expect(report.rounds).toBe(2);
    expect(report.byType.Encounter?.rejected).toBe(0);
    const stay = ((await hubRead(connector, 'Encounter')) as Encounter[]).find(
      (e) => e.identifier?.[0]?.value === 'LATE-STAY',
    );
    const late = ((await hubRead(connector, 'Patient')) as Patient[]).find(
      (p) => p.identifier?.[0]?.value === 'LATE-1',
    );
    expect(stay?.subject?.reference).toBe(`Patient/${late?.id}`);
  });

  it('passes over a resource the hub refuses, counting it, and pushes the rest', async () => {
    const hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 1 } });
    servers.push(hospital);
    const key = await registerAgency(h, hub, { ...hospital, id: 'hospital-b' });
    // Written straight into the store (no validation there): an Observation without its code.
    await hospital.repository.createResource({
      resourceType: 'Observation',
      identifier: [{ system: `${hospital.identity.identifierSystem}/observation`, value: 'BAD-1' }],
      status: 'final',
    } as MedplumObservation);
    const { connector } = await startConnector(h, hub, { ...hospital, id: 'hospital-b' }, key, 'postgres');
    const report = await connector.cycle.pullOnce();
    const local = await fetchAll(hospital.baseUrl, 'Observation');
    expect(report.byType.Observation).toMatchObject({ rejected: 1, accepted: local.length - 1 });
    expect(connector.cycle.status.snapshot().totals.pushRejected).toBe(1);
    // Passed over for good: the next cycle does not try it again.
    expect((await connector.cycle.pullOnce()).byType.Observation).toMatchObject({ rejected: 0, accepted: 0 });
  });

  it('reads an agency server that asks for basic auth', async () => {
    const auth = { type: 'basic' as const, username: 'sync', password: 's3cret' };
    const hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 1 }, auth });
    servers.push(hospital);
    const server = { ...hospital, id: 'hospital-c' };
    const key = await registerAgency(h, hub, server);
    const wrong = await startConnector(h, hub, server, key, 'postgres', {
      env: { AGENCY_FHIR_AUTH: 'basic', AGENCY_FHIR_USER: 'sync', AGENCY_FHIR_PASSWORD: 'nope' },
    });
    await expect(wrong.connector.cycle.pullOnce()).rejects.toMatchObject({ response: { status: 401 } });
    expect(wrong.connector.cycle.status.snapshot().lastError).toMatchObject({
      stage: 'pull',
      message: 'agency server: 401 (login)',
    });
    const right = await startConnector(h, hub, server, key, 'postgres', {
      env: { AGENCY_FHIR_AUTH: 'basic', AGENCY_FHIR_USER: 'sync', AGENCY_FHIR_PASSWORD: 's3cret' },
    });
    const report = await right.connector.cycle.pullOnce();
    expect(report.byType.Patient?.accepted).toBe(1);
  });

  it.each([
    ['follows the next link', true],
    ['asks for bigger pages', false],
  ])('%s past a page whose resources all share one instant', async (_name, nextLinks) => {
    const server = await sameInstantServer(8, nextLinks, { system: BULK_SYSTEM, instant: BULK_INSTANT });
    try {
      const agency = {
        id: `bulk-${nextLinks ? 'a' : 'b'}`,
        kind: 'hospital' as const,
        identity: hospitalIdentity(),
      };
      const key = await registerAgency(h, hub, agency);
      const { connector } = await startConnector(
        h,
        hub,
        { ...agency, baseUrl: server.url } as AgencyServer,
        key,
        'postgres',
        {
          env: { PAGE_SIZE: '3', PUBLISH_TYPES: 'Patient' },
        },
      );
      const report = await connector.cycle.pullOnce();
      expect(report.byType.Patient?.accepted).toBe(8);
      const atHub = (await hubRead(connector, 'Patient')).filter(
        (p) =>
          firstIdentifier(p)?.system === BULK_SYSTEM &&
          p.meta?.source === `urn:passerelle:agency:${agency.id}`,
      );
      expect(atHub).toHaveLength(8);
      expect(await connector.cursors.get(pullStream('Patient'))).toBe(BULK_INSTANT);
      expect((await connector.cycle.pullOnce()).byType.Patient?.accepted).toBe(0);
    } finally {
      await server.close();
    }
  });
});

const BULK_SYSTEM = 'https://bulk.example/mrn';
const BULK_INSTANT = '2026-01-01T00:00:00.000Z';

function hospitalIdentity(): AgencyServer['identity'] {
  return {
    id: 'bulk',
    identifierSystem: 'https://bulk.example/fhir/sid',
    organization: { resourceType: 'Organization', name: 'Bulk loader' },
  };
}
