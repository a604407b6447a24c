import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Encounter, Observation, Patient, Resource } from 'fhir/r4';
import {
  createTestDatabase,
  type TestDatabase,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
} from '@passerelle/testing';
import {
  type Connector,
  createConnector,
  FEED_STREAM,
  HubTokenProvider,
  loadConnectorConfig,
} from '../../apps/connector/src';
import {
  connectorEnv,
  fetchAll,
  type RegisteredAgency,
  registerConnectorAgency,
} from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';

/**
 * How the GP's connector writes a feed page into its local server (Medplum's FhirRouter, the
 * sandbox): one batch of searches, then batches of conditional updates in waves, a target before
 * what points at it. Hospital records reach the GP through a real hub; the GP's server is seen
 * through a proxy that counts the requests it gets.
 */

interface Seen {
  method: string;
  path: string;
  /** `METHOD url` of each entry of a Bundle posted to the base. */
  entries: string[];
}

/** Forwards every request to `target` (the sandbox) and records it. */
async function countingProxy(target: string): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const origin = new URL(target).origin;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = req.url ?? '/';
      let entries: string[] = [];
      if (req.method === 'POST' && body.length > 0) {
        const bundle = JSON.parse(body.toString()) as Bundle;
        entries = (bundle.entry ?? []).map((e) => `${e.request?.method} ${e.request?.url}`);
      }
      seen.push({ method: req.method ?? '', path: path.split('?')[0], entries });
      const headers: Record<string, string> = {};
      for (const name of ['content-type', 'authorization', 'accept']) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      fetch(`${origin}${path}`, {
        method: req.method,
        headers,
        body: body.length > 0 ? body : undefined,
      }).then(
        async (answer) => {
          const location = answer.headers.get('location');
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'application/fhir+json',
            ...(location ? { location } : {}),
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => {
          res.writeHead(502);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${new URL(target).pathname}`;
  return { url, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const ACT_CODE = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';

describe('connector: applying feed pages in batches', () => {
  let dir: string;
  let hub: TestHub;
  let hospital: AgencyServer;
  let gp: AgencyServer;
  let proxy: Awaited<ReturnType<typeof countingProxy>>;
  const databases: TestDatabase[] = [];
  const connectors: Connector[] = [];
  let hospitalConnector: Connector;
  let gpConnector: Connector;
  let patient: Patient;
  const warnings: string[] = [];

  const register = (server: AgencyServer): Promise<RegisteredAgency> =>
    registerConnectorAgency(
      hub.url,
      TEST_ADMIN_TOKEN,
      {
        id: server.id,
        kind: server.kind,
        name: server.identity.organization.name,
        identifiers: server.identity.organization.identifier,
      },
      { dir },
    );

  const start = async (server: AgencyServer, key: RegisteredAgency, agencyFhirUrl: string) => {
    const database = await createTestDatabase('postgres');
    databases.push(database);
    const env = connectorEnv({
      kind: server.kind,
      agencyFhirUrl,
      hubUrl: hub.url,
      agency: key,
      database: { dataDir: dir },
      // One feed page for everything routed in a test: what is checked is how a page is written.
      extra: { PAGE_SIZE: '500', RETRY_BASE_DELAY_MS: '10' },
    });
    const connector = await createConnector(
      { ...loadConnectorConfig(env), state: { kind: 'database', database: database.config } },
      {
        logger: {
          log: () => undefined,
          warn: (message: unknown) => warnings.push(String(message)),
          error: () => undefined,
        },
      },
    );
    connectors.push(connector);
    return connector;
  };

  /** Items waiting in the GP's feed at the hub (read without acknowledging). */
  const pendingFeed = async (): Promise<Resource[]> => {
    const token = await new HubTokenProvider(gpConnector.config.hub).token();
    const cursor = await gpConnector.cursors.get(FEED_STREAM);
    const since = cursor === undefined ? '' : `&_since=${encodeURIComponent(cursor)}`;
    const res = await fetch(`${hub.fhir}/$changes?_count=500${since}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as Bundle).entry?.flatMap((e) => (e.resource ? [e.resource] : [])) ?? [];
  };
  const idValue = (r: Resource) => (r as { identifier?: { value?: string }[] }).identifier?.[0]?.value;

  /** Waits (bounded) until routing has put every one of `values` in the GP's feed. */
  const untilInFeed = async (values: string[]) => {
    for (let i = 0; i < 300; i++) {
      const held = new Set((await pendingFeed()).map(idValue));
      if (values.every((v) => held.has(v))) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`not routed to the GP: ${values.join(', ')}`);
  };

  const post = async <T extends Resource>(server: AgencyServer, resource: T): Promise<T> => {
    const res = await fetch(`${server.baseUrl}/${resource.resourceType}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    expect(res.status).toBe(201);
    return (await res.json()) as T;
  };
  const system = (kind: string) => `${hospital.identity.identifierSystem}/${kind}`;
  const stay = (value: string): Encounter => ({
    resourceType: 'Encounter',
    identifier: [{ system: system('encounter'), value }],
    status: 'finished',
    class: { system: ACT_CODE, code: 'IMP' },
    subject: { reference: `Patient/${patient.id}` },
  });
  const result = (value: string, encounter: Encounter): Observation => ({
    resourceType: 'Observation',
    identifier: [{ system: system('observation'), value }],
    status: 'final',
    code: { text: `result ${value}` },
    subject: { reference: `Patient/${patient.id}` },
    encounter: { reference: `Encounter/${encounter.id}` },
  });
  /** Writes at the hospital (each resource after those it references), pushes, waits for routing. */
  const deliver = async (build: (encounter: Encounter) => Observation[], stayValue: string) => {
    const encounter = await post(hospital, stay(stayValue));
    const results = build(encounter);
    for (const r of results) await post(hospital, r);
    await hospitalConnector.cycle.pullOnce();
    await untilInFeed([stayValue, ...results.map((r) => idValue(r)!)]);
  };
  const atGp = async <T extends Resource>(type: T['resourceType'], value: string): Promise<T[]> =>
    (await fetchAll(gp.baseUrl, type)).filter((r) => idValue(r) === value) as T[];
  /** Creates a resource straight in the GP's store (a local record already there). */
  const heldAtGp = (resource: Encounter | Observation) =>
    gp.repository.createResource(resource as Parameters<AgencyServer['repository']['createResource']>[0]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-apply-'));
    hub = await startTestHub('postgres', { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = await startAgencyServer({ kind: 'hospital', seed: { patients: 1 } });
    gp = await startAgencyServer({ kind: 'gp', seed: { patients: 1 } });
    proxy = await countingProxy(gp.baseUrl);
    const hospitalKey = await register(hospital);
    const gpKey = await register(gp);
    gpConnector = await start(gp, gpKey, proxy.url);
    // The GP's patients reach the hub first, so the MPI links each person's two records.
    await gpConnector.cycle.pullOnce();
    hospitalConnector = await start(hospital, hospitalKey, hospital.baseUrl);
    [patient] = (await fetchAll(hospital.baseUrl, 'Patient')) as Patient[];
    // The hospital's backfill, all routed and applied: each test then sees only its own items.
    await hospitalConnector.cycle.pullOnce();
    for (let i = 0; ; i++) {
      await gpConnector.cycle.applyOnce();
      const res = await fetch(`${hub.url}/admin/sync/status`, {
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
      });
      const status = (await res.json()) as {
        outboxBacklog: number;
        feeds: { agency: string; pending: number }[];
      };
      const pending = status.feeds.find((f) => f.agency === gp.id)?.pending ?? 0;
      if (status.outboxBacklog === 0 && pending === 0) break;
      if (i === 300) throw new Error(`backfill not delivered: ${JSON.stringify(status)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of connectors) await c.close();
    await proxy?.close();
    await hospital?.close();
    await gp?.close();
    await hub?.close();
    for (const d of databases) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    proxy.seen.length = 0;
    warnings.length = 0;
  });

  it('writes an encounter and the results that point at it in three requests, references resolved', async () => {
    await deliver((e) => [result('APPLY-OBS-1', e), result('APPLY-OBS-2', e)], 'APPLY-STAY-1');
    const report = await gpConnector.cycle.applyOnce();
    expect(report).toMatchObject({ applied: 3, rejected: 0, unchanged: 0 });

    // One batch of searches, then a wave for the encounter and one for its results.
    expect(proxy.seen.map((s) => `${s.method} ${s.path}`)).toEqual(Array(3).fill('POST /fhir'));
    const [lookups, encounters, results] = proxy.seen.map((s) => s.entries);
    // The three items, and the patient they point at (the run's first page).
    expect(lookups.map((e) => e.split('?')[0])).toEqual([
      'GET Encounter',
      'GET Observation',
      'GET Observation',
      'GET Patient',
    ]);
    expect(encounters).toEqual([expect.stringMatching(/^PUT Encounter\?identifier=/)]);
    expect(results).toHaveLength(2);
    expect(results.every((e) => e.startsWith('PUT Observation?identifier='))).toBe(true);

    const [encounter] = await atGp<Encounter>('Encounter', 'APPLY-STAY-1');
    for (const value of ['APPLY-OBS-1', 'APPLY-OBS-2']) {
      const [observation] = await atGp<Observation>('Observation', value);
      expect(observation.encounter?.reference).toBe(`Encounter/${encounter.id}`);
      // The subject is the GP's own record of the person.
      expect(observation.subject?.reference).toBe(encounter.subject?.reference);
      expect(observation.subject?.reference).toMatch(/^Patient\//);
    }
  });

  it('writes nothing when the feed is read again from the start', async () => {
    const versions = async () =>
      Object.fromEntries(
        (await Promise.all(['Encounter', 'Observation'].map((t) => fetchAll(gp.baseUrl, t))))
          .flat()
          .map((r) => [`${r.resourceType}/${r.id}`, r.meta?.versionId]),
      );
    const before = await versions();
    await gpConnector.cursors.reset(FEED_STREAM);
    const replay = await gpConnector.cycle.applyOnce();
    expect(replay).toMatchObject({ applied: 0, rejected: 0 });
    expect(replay.unchanged).toBeGreaterThanOrEqual(3);
    // Searches only: not one conditional update was sent. A document's content is written again
    // at its own id (a PUT of the same bytes), in one batch of its own as it was one request.
    const writes = proxy.seen.flatMap((s) => s.entries).filter((e) => !e.startsWith('GET '));
    expect(writes.filter((e) => !/^PUT Binary\/[0-9a-f]{64}$/.test(e))).toEqual([]);
    expect(proxy.seen.length).toBeLessThanOrEqual(2);
    expect(await versions()).toEqual(before);
  });

  it('counts an item the local server refuses and writes the others of its batch', async () => {
    // The GP already holds two results with the identifier of one that comes: a conditional
    // update cannot tell which one to write.
    for (let i = 0; i < 2; i++) {
      await heldAtGp({
        resourceType: 'Observation',
        identifier: [{ system: system('observation'), value: 'APPLY-OBS-DUP' }],
        status: 'preliminary',
        code: { text: `local copy ${i}` },
      });
    }
    await deliver((e) => [result('APPLY-OBS-DUP', e), result('APPLY-OBS-4', e)], 'APPLY-STAY-2');
    const report = await gpConnector.cycle.applyOnce();
    expect(report).toMatchObject({ applied: 2, rejected: 1 });

    const [encounter] = await atGp<Encounter>('Encounter', 'APPLY-STAY-2');
    const [written] = await atGp<Observation>('Observation', 'APPLY-OBS-4');
    expect(written.encounter?.reference).toBe(`Encounter/${encounter.id}`);
    expect((await atGp<Observation>('Observation', 'APPLY-OBS-DUP')).map((o) => o.status)).toEqual([
      'preliminary',
      'preliminary',
    ]);
    // The warning names the type and the server's issue codes, never the data.
    const refusal = warnings.filter((w) => w.startsWith('local server refused'));
    expect(refusal).toEqual([
      expect.stringMatching(/^local server refused Observation from the feed: 4\d\d/),
    ]);
    expect(refusal[0]).not.toContain('APPLY-OBS-DUP');
  });

  it('keeps only the display of a reference whose target the local server holds twice', async () => {
    const { subject: _subject, ...local } = stay('APPLY-STAY-DUP');
    for (let i = 0; i < 2; i++) await heldAtGp(local);
    await deliver(
      (e) => [
        { ...result('APPLY-OBS-5', e), encounter: { reference: `Encounter/${e.id}`, display: 'stay' } },
      ],
      'APPLY-STAY-DUP',
    );
    const report = await gpConnector.cycle.applyOnce();
    // The encounter itself cannot be written (two matches); its result is, pointing at neither.
    expect(report).toMatchObject({ applied: 1, rejected: 1 });
    expect(report.displayOnly).toBeGreaterThanOrEqual(1);
    const [observation] = await atGp<Observation>('Observation', 'APPLY-OBS-5');
    expect(observation.encounter).toEqual({ display: 'stay' });
    expect(observation.subject?.reference).toMatch(/^Patient\//);
  });
});
