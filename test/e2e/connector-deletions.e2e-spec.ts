import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Encounter } from 'fhir/r4';
import { STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import { DataSource } from 'typeorm';
import {
  type Connector,
  createConnector,
  type CycleHooks,
  deletionStream,
  loadConnectorConfig,
} from '../../apps/connector/src';
import { connectorEnv, type RegisteredAgency } from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';
import { registerAgency, silent } from './connector-harness';

/**
 * The hospital's connector withdraws at the hub what the hospital deleted, with its cursors in
 * the file store (no DATA_DIR database): crash-safe (a crash after the hub took the deletions and
 * before the cursor is stored sends them again, which changes nothing), and a record deleted then
 * written again with the same identifier stays at the hub.
 */
describe.each(STORE_KINDS)('the connector withdraws its agency’s deletions, hub on %s', (storeKind) => {
  const h = { dir: '', databases: [], connectors: [] as Connector[] };
  let hub: TestHub;
  let hospital: AgencyServer;
  let key: RegisteredAgency;
  let crash = false;

  const hooks: CycleHooks = {
    afterWithdraw: (type, withdrawn) => {
      if (crash && withdrawn > 0) throw new Error(`killed after the hub took ${type} deletions`);
    },
  };
  const system = () => `${hospital.identity.identifierSystem}/encounter`;
  const liveAtHub = async (value: string) =>
    (
      await hub.app.get(DataSource).query(
        `SELECT id FROM resource WHERE resource_type = 'Encounter' AND NOT deleted AND source_agency = $1
            AND content->'identifier'->0->>'value' = $2`,
        [hospital.id, value],
      )
    ).length;
  const deletionsAtHub = async () =>
    Number(
      (
        await hub.app
          .get(DataSource)
          .query(
            `SELECT count(*) AS n FROM resource_version WHERE method = 'delete' AND source_agency = $1`,
            [hospital.id],
          )
      )[0].n,
    );
  const write = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hospital.baseUrl}/${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(body) }
        : {}),
    });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status}`);
    return (await res.json()) as Encounter;
  };
  const stay = (value: string, patient: string): Encounter => ({
    resourceType: 'Encounter',
    identifier: [{ system: system(), value }],
    status: 'finished',
    class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
    subject: { reference: `Patient/${patient}` },
  });

  let connector: Connector;
  let patient: string;

  beforeAll(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'passerelle-deletions-'));
    hub = await startTestHub(storeKind, { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 1 } });
    key = await registerAgency(h, hub, hospital);
    const env = connectorEnv({
      kind: 'hospital',
      agencyFhirUrl: hospital.baseUrl,
      hubUrl: hub.url,
      agency: key,
      database: { dataDir: join(h.dir, 'connector') },
      extra: { PUBLISH_TYPES: 'Patient,Encounter', RETRY_BASE_DELAY_MS: '10' },
    });
    connector = await createConnector(loadConnectorConfig(env), { logger: silent, hooks });
    await connector.cycle.pullOnce();
    const patients = (await (await fetch(`${hospital.baseUrl}/Patient`)).json()) as {
      entry: { resource: { id: string } }[];
    };
    patient = patients.entry[0].resource.id;
  }, 120_000);

  afterAll(async () => {
    await connector?.close();
    await hospital?.close();
    await hub?.close();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('sends a deletion again after a crash before its cursor, and the hub deletes once', async () => {
    const created = await write('POST', 'Encounter', stay('GONE-1', patient));
    await connector.cycle.pullOnce();
    expect(await liveAtHub('GONE-1')).toBe(1);
    const cursor = await connector.cursors.get(deletionStream('Encounter'));
    expect(cursor).toBeDefined();

    await write('DELETE', `Encounter/${created.id}`);
    crash = true;
    await expect(connector.cycle.pullOnce()).rejects.toThrow('killed after the hub took Encounter deletions');
    expect(await liveAtHub('GONE-1')).toBe(0);
    expect(await connector.cursors.get(deletionStream('Encounter'))).toBe(cursor);
    const deletions = await deletionsAtHub();

    crash = false;
    await connector.cycle.pullOnce();
    expect(await connector.cursors.get(deletionStream('Encounter'))).not.toBe(cursor);
    expect(await deletionsAtHub()).toBe(deletions);
    // The crashed cycle counted nothing; the one after it withdrew the stay (again).
    expect(connector.cycle.status.totals.withdrawn).toBe(1);
  });

  it('keeps at the hub a record deleted then written again with the same identifier', async () => {
    const first = await write('POST', 'Encounter', stay('BACK-1', patient));
    await connector.cycle.pullOnce();
    await write('DELETE', `Encounter/${first.id}`);
    await write('POST', 'Encounter', { ...stay('BACK-1', patient), status: 'cancelled' });
    await connector.cycle.pullOnce();
    expect(await liveAtHub('BACK-1')).toBe(1);
    // And the other way round: written again, then deleted for good.
    const again = (await (
      await fetch(`${hospital.baseUrl}/Encounter?identifier=${encodeURIComponent(`${system()}|BACK-1`)}`)
    ).json()) as { entry: { resource: Encounter }[] };
    await write('DELETE', `Encounter/${again.entry[0].resource.id}`);
    await connector.cycle.pullOnce();
    expect(await liveAtHub('BACK-1')).toBe(0);
  });

  it('finds deletions by reconciling ids when told to (servers without type history)', async () => {
    const env = connectorEnv({
      kind: 'hospital',
      agencyFhirUrl: hospital.baseUrl,
      hubUrl: hub.url,
      agency: key,
      database: { dataDir: join(h.dir, 'reconciling') },
      extra: {
        PUBLISH_TYPES: 'Patient,Encounter',
        RETRY_BASE_DELAY_MS: '10',
        DELETIONS_DETECT: 'reconcile',
        DELETIONS_RECONCILE_INTERVAL_MS: '50',
      },
    });
    await connector.close();
    connector = await createConnector(loadConnectorConfig(env), { logger: silent, hooks });
    await write('POST', 'Encounter', stay('INV-1', patient));
    const gone = await write('POST', 'Encounter', stay('INV-2', patient));
    await connector.cycle.pullOnce(); // the first inventory, and the stays pushed
    expect([await liveAtHub('INV-1'), await liveAtHub('INV-2')]).toEqual([1, 1]);
    await write('DELETE', `Encounter/${gone.id}`);
    await new Promise((r) => setTimeout(r, 60));
    crash = true;
    await expect(connector.cycle.pullOnce()).rejects.toThrow('killed after the hub took Encounter deletions');
    crash = false;
    await connector.cycle.pullOnce(); // the same deletion found again: the inventory was not stored
    expect([await liveAtHub('INV-1'), await liveAtHub('INV-2')]).toEqual([1, 0]);
    expect(connector.cycle.status.totals.withdrawn).toBe(1);
  });
});
