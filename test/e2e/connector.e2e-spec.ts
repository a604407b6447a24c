import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Encounter, Patient, Resource } from 'fhir/r4';
import { STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import { DataSource } from 'typeorm';
import {
  type Connector,
  type CycleHooks,
  FEED_STREAM,
  HubTokenProvider,
  pullStream,
} from '../../apps/connector/src';
import { fetchAll, type RegisteredAgency } from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';

import { firstIdentifier, type Harness, registerAgency, startConnector } from './connector-harness';

/**
 * The connector against real parts: simulated agency FHIR servers (Medplum's FhirRouter, the
 * sandbox) and a real hub. Pull and push: the hospital's records reach the hub, a second cycle
 * and a re-push after a crash change nothing. Apply: a hospital encounter, routed by the hub to
 * the patient's GP, lands in the GP's server pointing at the GP's own patient record.
 */

const searchAll = fetchAll;

const sameKey = (a: Resource, b: Resource) =>
  firstIdentifier(a)?.system === firstIdentifier(b)?.system &&
  firstIdentifier(a)?.value === firstIdentifier(b)?.value;

describe.each(STORE_KINDS)('connector with a hub and cursors on %s', (storeKind) => {
  const h: Harness = { dir: '', databases: [], connectors: [] };
  let hub: TestHub;
  let hospital: AgencyServer;
  let hospitalKey: RegisteredAgency;
  let gp: AgencyServer;
  let gpKey: RegisteredAgency;

  /** Versions the hub holds of what an agency sent: a retried push must not add any. */
  const versionsAtHub = async (agency: string): Promise<number> => {
    const rows: { n: string }[] = await hub.app
      .get(DataSource)
      .query(`SELECT count(*) AS n FROM resource_version WHERE source_agency = $1`, [agency]);
    return Number(rows[0].n);
  };
  /** A token to read what the hub holds; the connector's own scopes only write what it publishes. */
  const hubToken = async (connector: Connector) => {
    const reader = new HubTokenProvider({ ...connector.config.hub, scope: 'system/*.rs' });
    return { authorization: `Bearer ${await reader.token()}` };
  };

  beforeAll(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'passerelle-connector-'));
    hub = await startTestHub(storeKind, { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 2 } });
    hospitalKey = await registerAgency(h, hub, hospital);
    // Registered before anything is pushed: the hub's router reads its agency directory through a
    // short cache, and a change routed before it sees the GP is not routed to the GP again.
    gp = await startAgencyServer({ kind: 'gp', seed: { patients: 2 } });
    gpKey = await registerAgency(h, hub, gp);
  });

  afterAll(async () => {
    for (const c of h.connectors) await c.close();
    await hospital?.close();
    await gp?.close();
    await hub?.close();
    for (const d of h.databases) await d.drop();
    rmSync(h.dir, { recursive: true, force: true });
  });

  it('pushes the hospital records to the hub, then a second cycle changes nothing', async () => {
    const { connector } = await startConnector(h, hub, hospital, hospitalKey, storeKind);
    const report = await connector.cycle.pullOnce();
    const published = connector.config.sync.profile.publish;
    for (const type of published) {
      const local = await searchAll(hospital.baseUrl, type);
      const atHub = await searchAll(hub.fhir, type, await hubToken(connector));
      expect({ type, count: atHub.length }).toEqual({ type, count: local.length });
      for (const r of local) expect(atHub.filter((x) => sameKey(x, r))).toHaveLength(1);
      expect(report.byType[type]?.accepted ?? 0).toBe(local.length);
    }
    expect(Object.values(report.byType).reduce((n, r) => n + r.rejected + r.noIdentifier, 0)).toBe(0);
    // References point at the hub's own copies: the encounter's subject is the hub's patient with the same MRN.
    const [encounter] = (await searchAll(hub.fhir, 'Encounter', await hubToken(connector))) as Encounter[];
    const localEncounter = (await searchAll(hospital.baseUrl, 'Encounter')).find((e) =>
      sameKey(e, encounter),
    ) as Encounter;
    const localPatient = (await searchAll(hospital.baseUrl, 'Patient')).find(
      (p) => `Patient/${p.id}` === localEncounter.subject?.reference,
    ) as Patient;
    const hubPatients = (await searchAll(hub.fhir, 'Patient', await hubToken(connector))) as Patient[];
    expect(
      hubPatients.find((p) => `Patient/${p.id}` === encounter.subject?.reference)?.identifier?.[0],
    ).toEqual(localPatient.identifier?.[0]);

    const versions = await versionsAtHub(hospital.id);
    const again = await connector.cycle.pullOnce();
    expect(Object.values(again.byType).reduce((n, r) => n + r.accepted, 0)).toBe(0);
    expect(await versionsAtHub(hospital.id)).toBe(versions);
    expect(connector.cycle.status.snapshot().lastPullAt).not.toBeNull();
  });

  it('re-pushes everything after its cursors are lost, without a single new version', async () => {
    const { connector } = await startConnector(h, hub, hospital, hospitalKey, storeKind);
    // Another database: this connector starts with no cursor at all.
    const versions = await versionsAtHub(hospital.id);
    const report = await connector.cycle.pullOnce();
    expect(report.byType.Patient?.accepted).toBe(hospital.seeded.byType.Patient);
    expect(await versionsAtHub(hospital.id)).toBe(versions);
  });

  it('re-pushes a page accepted by the hub whose cursor was never stored, without a new version', async () => {
    let crash = true;
    const hooks: CycleHooks = {
      afterPush: (type) => {
        if (crash && type === 'Encounter') throw new Error('killed between push and cursor store');
      },
    };
    const { connector, database } = await startConnector(h, hub, hospital, hospitalKey, storeKind, { hooks });
    const before = await versionsAtHub(hospital.id);
    await expect(connector.cycle.pullOnce()).rejects.toThrow('killed between push and cursor store');
    expect(await connector.cursors.get(pullStream('Patient'))).toBeDefined();
    expect(await connector.cursors.get(pullStream('Encounter'))).toBeUndefined();
    crash = false;
    await connector.cycle.pullOnce();
    expect(await versionsAtHub(hospital.id)).toBe(before);
    const cursor = await connector.cursors.get(pullStream('Encounter'));
    expect(cursor).toBeDefined();

    // A change at the hospital, and the crash right after the hub accepted it.
    const [encounter] = (await searchAll(hospital.baseUrl, 'Encounter')) as Encounter[];
    const res = await fetch(`${hospital.baseUrl}/Encounter/${encounter.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...encounter, status: 'cancelled' }),
    });
    expect(res.status).toBe(200);
    crash = true;
    await expect(connector.cycle.pullOnce()).rejects.toThrow('killed');
    expect(await connector.cursors.get(pullStream('Encounter'))).toBe(cursor);
    const afterCrash = await versionsAtHub(hospital.id);
    expect(afterCrash).toBe(before + 1);

    // The restarted connector (same database) pushes the page again: the hub keeps what it has.
    await connector.close();
    crash = false;
    const restarted = await startConnector(h, hub, hospital, hospitalKey, storeKind, { database });
    const report = await restarted.connector.cycle.pullOnce();
    expect(report.byType.Encounter?.accepted).toBe(1);
    expect(await versionsAtHub(hospital.id)).toBe(afterCrash);
    expect(await restarted.connector.cursors.get(pullStream('Encounter'))).not.toBe(cursor);
    const atHub = (await searchAll(
      hub.fhir,
      'Encounter',
      await hubToken(restarted.connector),
    )) as Encounter[];
    expect(atHub.find((e) => sameKey(e, encounter))?.status).toBe('cancelled');
  });

  it('applies a hospital encounter routed to the GP of record into the GP server, once', async () => {
    // Feed pages large enough for the whole feed: older versions superseded within a page are not written.
    const gpConnector = (await startConnector(h, hub, gp, gpKey, storeKind, { env: { PAGE_SIZE: '500' } }))
      .connector;
    // The GP's patients reach the hub first, so the MPI links each person's two records.
    await gpConnector.cycle.pullOnce();
    const hospitalConnector = (await startConnector(h, hub, hospital, hospitalKey, storeKind)).connector;

    // A new stay at the hospital for patient 0 (known to both agencies).
    const [patient] = (await searchAll(hospital.baseUrl, 'Patient')) as Patient[];
    const stay: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: `${hospital.identity.identifierSystem}/encounter`, value: 'E2E-STAY-1' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${patient.id}`, display: 'patient' },
      period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
    };
    const created = await fetch(`${hospital.baseUrl}/Encounter`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(stay),
    });
    expect(created.status).toBe(201);
    await hospitalConnector.cycle.pullOnce();

    // Routing runs in the hub's background: apply until the stay has arrived (bounded).
    const arrived = async () =>
      ((await searchAll(gp.baseUrl, 'Encounter')) as Encounter[]).find(
        (e) => e.identifier?.[0]?.value === 'E2E-STAY-1',
      );
    // ... and until everything pushed is routed: documents with content are pushed after the
    // stays, each in a transaction of its own, and must not reach the feed after the check below.
    const routed = async () =>
      Number(
        (
          await hub.app
            .get(DataSource)
            .query<{ n: string }[]>('SELECT count(*) AS n FROM sync_outbox WHERE routed_at IS NULL')
        )[0].n,
      ) === 0;
    let applied = 0;
    for (let i = 0; i < 200; i++) {
      const settled = await routed(); // before the apply: what it routed is in the feed
      applied += (await gpConnector.cycle.applyOnce()).applied;
      if (settled && (await arrived())) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const atGp = await arrived();
    expect(atGp).toBeDefined();
    expect(applied).toBeGreaterThan(0);
    // Its subject is the GP's own record of the person: same national identifier, the GP's own MRN.
    const gpPatients = (await searchAll(gp.baseUrl, 'Patient')) as Patient[];
    const subject = gpPatients.find((p) => `Patient/${p.id}` === atGp?.subject?.reference);
    expect(subject?.identifier?.[0]?.system).toBe(firstIdentifier(gpPatients[0])?.system);
    expect(subject?.identifier?.[1]).toEqual(patient.identifier?.[1]);
    expect(await gpConnector.cursors.get(FEED_STREAM)).toBeDefined();

    // Applied once: the feed is acknowledged and a further cycle writes nothing.
    const again = await gpConnector.cycle.applyOnce();
    expect(again.applied).toBe(0);
    expect((await searchAll(gp.baseUrl, 'Encounter')).filter((e) => sameKey(e, stay))).toHaveLength(1);

    // The feed read again from the start (a lost cursor): every item is already held, none written.
    await gpConnector.cursors.reset(FEED_STREAM);
    const replay = await gpConnector.cycle.applyOnce();
    expect(replay).toMatchObject({ applied: 0, rejected: 0 });
    expect(replay.unchanged).toBeGreaterThanOrEqual(applied);
  }, 120_000);
});
