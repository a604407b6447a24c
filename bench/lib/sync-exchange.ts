import { randomBytes } from 'node:crypto';
import type { Observation } from 'fhir/r4';
import { Client } from 'pg';
import { DEFAULT_PROFILES } from '../../apps/connector/src';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { waitForQuiet } from './cpu';
import { checkpoint, createDatabase } from './database';
import { maximum, note, percentile, round } from './report';
import { countsOf, keyOf, writeObservation, writtenAt, writtenSince } from './sync-agency';
import { connectorRss } from './rss-peaks';
import { deleteKeys } from './sync-baseline';
import { coresBetween, cpuSample } from './sync-cpu';
import {
  type ConnectorProcess,
  connectorHealth,
  type RedisTarget,
  redisTarget,
  registerAgency,
  startConnectorProcess,
  startSandboxAgency,
  startSyncHub,
  startSyncWorker,
  type SyncHub,
  tempDir,
} from './sync-stack';
import type { Child } from './processes';

/**
 * One exchange, hospital → hub → GP, every part its own process: a backfill of the hospital's
 * records to the GP (throughput), then new results written at the hospital one by one while the
 * connectors poll (latency: from the hospital server's write to the GP server's write, both
 * stamped by their servers' meta.lastUpdated on this machine's clock).
 */

export interface ExchangeOptions {
  /** production: PostgreSQL, BullMQ on Redis, a worker process; embedded: PGlite, routing in the hub. */
  topology: 'production' | 'embedded';
  patients: number;
  seed: number;
  /** The connectors' POLL_INTERVAL_MS. */
  pollIntervalMs: number;
  /** The routing worker's outbox poll (SYNC_POLL_INTERVAL_MS, default 200). */
  outboxPollMs: number;
  /** SYNC_CONCURRENCY; undefined: the default (4). */
  routeConcurrency?: number;
  pageSize: number;
  redisUrl: string;
  latencyWrites: number;
  latencyWritesPerSecond: number;
  /** Diagnostic: the GIN indexes without a pending list (ALTER INDEX … SET (fastupdate = off)). */
  ginFastupdateOff: boolean;
  /** Diagnostic: CPU profiles of every Node process of the exchange written here (`--profile`). */
  profileDir?: string;
}

/** What the GP receives from a hospital under the default routing rules (gp-of-record). */
const ROUTED_TYPES = ['Encounter', 'DocumentReference', 'DiagnosticReport', 'Observation', 'Procedure'];
const COMPLETION_TIMEOUT_MS = 15 * 60_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface SyncStatus {
  outboxBacklog: number;
  feeds: { agency: string; pending: number }[];
}

async function syncStatus(hub: SyncHub): Promise<SyncStatus> {
  const res = await fetch(`${hub.url}/admin/sync/status`, {
    headers: { authorization: `Bearer ${hub.adminToken}` },
  });
  if (res.status !== 200) throw new Error(`GET /admin/sync/status: ${res.status}`);
  return (await res.json()) as SyncStatus;
}

/** Waits until `connector` has pushed `expected` resources and the hub has routed and delivered everything. */
async function settled(hub: SyncHub, connector: ConnectorProcess, expected: number, recipient: string) {
  const deadline = Date.now() + COMPLETION_TIMEOUT_MS;
  for (;;) {
    const health = await connectorHealth(connector);
    const { pushed: accepted, pushRejected, pushSkipped } = health.sync.totals;
    const pushed = accepted + pushRejected + pushSkipped;
    if (pushed >= expected) {
      const status = await syncStatus(hub);
      const pending = status.feeds.find((f) => f.agency === recipient)?.pending ?? 0;
      if (status.outboxBacklog === 0 && pending === 0) return health;
    }
    if (Date.now() > deadline)
      throw new Error(`not settled within ${COMPLETION_TIMEOUT_MS} ms: ${pushed}/${expected} pushed`);
    await sleep(250);
  }
}

/** When each stage of the pipeline saw the hospital's changes, from the hub's tables (PostgreSQL only). */
async function stageTimeline(databaseUrl: string, t0: number) {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    const since = (d: Date | null) => (d ? Math.round(d.getTime() - t0) : null);
    const stored = (
      await c.query<{ n: string; first: Date | null; last: Date | null }>(
        `SELECT count(*) AS n, min(last_updated) AS first, max(last_updated) AS last FROM resource_version WHERE source_agency = 'hospital'`,
      )
    ).rows[0];
    const routed = (
      await c.query<{ n: string; last: Date | null }>(
        `SELECT count(*) AS n, max(routed_at) AS last FROM sync_outbox WHERE source_agency = 'hospital'`,
      )
    ).rows[0];
    const feed = (
      await c.query<{ n: string; last: Date | null }>(
        `SELECT count(*) AS n, max(acknowledged_at) AS last FROM sync_feed WHERE agency_id = 'gp'`,
      )
    ).rows[0];
    // Routing audits each recipient consent held back (sensitive labels need an explicit permit);
    // the searchable trail is a projection of the log, caught up first (docs/audit.md).
    await c.query('SELECT audit_project(1000000, true)');
    const denied = (
      await c.query<{ n: string }>(
        `SELECT count(*) AS n FROM audit_trail
          WHERE agency = 'gp' AND outcome = '4' AND content::text LIKE '%route%'`,
      )
    ).rows[0];
    // How long a change waited at each hop: stored → routed (outbox), routed → acknowledged by the GP.
    const lag = (
      await c.query<Record<string, number | null>>(
        `SELECT
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM o.routed_at - o.created_at)) AS routed_p50,
           max(extract(epoch FROM o.routed_at - o.created_at)) AS routed_max,
           percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM f.acknowledged_at - f.routed_at)) AS acked_p50,
           max(extract(epoch FROM f.acknowledged_at - f.routed_at)) AS acked_max
         FROM sync_outbox o LEFT JOIN sync_feed f ON f.outbox_id = o.id AND f.agency_id = 'gp'
         WHERE o.source_agency = 'hospital'`,
      )
    ).rows[0];
    const ms = (seconds: number | null) => (seconds === null ? null : Math.round(Number(seconds) * 1000));
    return {
      waitedMs: {
        storedToRouted: { p50: ms(lag.routed_p50), max: ms(lag.routed_max) },
        routedToAcknowledgedByGp: { p50: ms(lag.acked_p50), max: ms(lag.acked_max) },
      },
      hubStored: { versions: Number(stored.n), firstMs: since(stored.first), lastMs: since(stored.last) },
      deniedByConsentAtRouting: Number(denied.n),
      routed: { outboxRows: Number(routed.n), lastMs: since(routed.last) },
      gpFeed: { items: Number(feed.n), lastAcknowledgedMs: since(feed.last) },
    };
  } finally {
    await c.end();
  }
}

async function alterGinIndexes(databaseUrl: string): Promise<void> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    for (const index of ['resource_tokens', 'resource_refs']) {
      await c.query(`ALTER INDEX ${index} SET (fastupdate = off)`);
      await c.query(`SELECT gin_clean_pending_list('${index}')`);
    }
  } finally {
    await c.end();
  }
}

export async function runExchange(o: ExchangeOptions) {
  const started: Child[] = [];
  const production = o.topology === 'production';
  const db = production ? await createDatabase('sync_hub') : undefined;
  const redis: RedisTarget | undefined = production ? redisTarget(o.redisUrl, 'sync') : undefined;
  try {
    note(`${o.topology}: starting the hub${production ? ', the worker' : ''} and two agency servers`);
    const hub = await startSyncHub({
      databaseUrl: db?.url,
      redis,
      syncPollIntervalMs: o.outboxPollMs,
      routeConcurrency: o.routeConcurrency,
      profileDir: o.profileDir,
    });
    started.push(hub);
    if (db && o.ginFastupdateOff) await alterGinIndexes(db.url);
    const worker =
      db && redis
        ? await startSyncWorker({
            databaseUrl: db.url,
            redis,
            syncPollIntervalMs: o.outboxPollMs,
            routeConcurrency: o.routeConcurrency,
            profileDir: o.profileDir,
          })
        : undefined;
    if (worker) started.push(worker);
    const [hospital, gp] = await Promise.all([
      startSandboxAgency('hospital', o.patients, o.seed, o.profileDir),
      startSandboxAgency('gp', o.patients, o.seed, o.profileDir),
    ]);
    started.push(hospital, gp);
    const keys = tempDir('keys');
    const hospitalKey = await registerAgency(hub, hospital, keys);
    const gpKey = await registerAgency(hub, gp, keys);
    const published = await countsOf(hospital.baseUrl, DEFAULT_PROFILES.hospital.publish);
    const toPush = Object.values(published).reduce((a, b) => a + b, 0);
    const gpPublished = await countsOf(gp.baseUrl, DEFAULT_PROFILES.gp.publish);
    const gpToPush = Object.values(gpPublished).reduce((a, b) => a + b, 0);
    const connector = async (agency: typeof hospital, key: typeof hospitalKey) => {
      const child = await startConnectorProcess({
        agency,
        key,
        hub,
        pollIntervalMs: o.pollIntervalMs,
        pageSize: o.pageSize,
        profileDir: o.profileDir,
      });
      // Its resident memory through the whole run (issue 19: ≤ 120 MB at any point).
      connectorRss.watch(`${o.topology}:${agency.kind}`, child.pid, child.url);
      return child;
    };

    // The GP practice joins first: its patients reach the hub, so each person's records are linked.
    note(`${o.topology}: GP connector pushes its ${gpToPush} resources`);
    const gpConnector = await connector(gp, gpKey);
    started.push(gpConnector);
    await settled(hub, gpConnector, gpToPush, 'gp');
    if (db) await checkpoint();
    const busyBefore = await waitForQuiet(30_000);

    note(`${o.topology}: hospital backfill of ${toPush} resources, through the hub, to the GP`);
    const spawnedAt = Date.now();
    const hospitalConnector = await connector(hospital, hospitalKey);
    started.push(hospitalConnector);
    // The connector's loop starts as it comes up (its /health answers within ~100 ms of that):
    // its start-up (PGlite, Nest) is reported apart, not counted in the rate.
    const t0 = Date.now();
    const fromUs = process.hrtime.bigint() / 1000n;
    const cpuBefore = cpuSample();
    const health = await settled(hub, hospitalConnector, toPush, 'gp');
    const pids = {
      hub: hub.pid,
      ...(worker ? { worker: worker.pid } : {}),
      hospitalServer: hospital.pid,
      gpServer: gp.pid,
      hospitalConnector: hospitalConnector.pid,
      gpConnector: gpConnector.pid,
    };
    const throughputCpu = coresBetween(cpuBefore, cpuSample(), pids);
    if (o.profileDir)
      note(
        `${o.topology}: profiles in ${o.profileDir} (CPU.<date>.<pid>...: ${Object.entries(pids)
          .map(([name, pid]) => `${name} ${pid}`)
          .join(', ')}), throughput window (µs): ${fromUs} ${process.hrtime.bigint() / 1000n}`,
      );
    const arrived = await writtenAt(gp.baseUrl, ROUTED_TYPES);
    const atHospital = await writtenAt(hospital.baseUrl, ROUTED_TYPES);
    const gpCounts = await countsOf(gp.baseUrl, ROUTED_TYPES);
    const delivered = [...arrived.keys()].filter((k) => atHospital.has(k)).length;
    const lastArrival = maximum([...arrived.values()]);
    const firstArrival = [...arrived.values()].reduce((a, b) => (b < a ? b : a), Infinity);
    const elapsedMs = lastArrival - t0;
    const timeline = db ? await stageTimeline(db.url, t0) : undefined;
    const throughput = {
      what: 'the hospital connector started on a seeded hospital server: time from its start (ready) until the last resource was written in the GP server',
      hospitalResourcesPushed: toPush,
      hospitalResourcesOfRoutedTypes: ROUTED_TYPES.reduce((n, t) => n + (published[t] ?? 0), 0),
      deliveredToGp: delivered,
      gpDuplicates: Object.values(gpCounts).reduce((a, b) => a + b, 0) - arrived.size,
      connectorStartMs: t0 - spawnedAt,
      elapsedMs,
      gpWritesMsAfterStart: { first: firstArrival - t0, last: lastArrival - t0 },
      resourcesPerSecond: Math.round(delivered / (elapsedMs / 1000)),
      pushedPerSecond: Math.round(toPush / (elapsedMs / 1000)),
      hospitalConnector: health.sync.totals,
      stagesMsAfterStart: timeline,
      machineBusyCoresBeforeStart: busyBefore,
      cpuCores: throughputCpu,
      // What one resource costs each process on its way: on a machine whose cores are all busy,
      // their sum is what bounds the rate.
      cpuMsPerResource: Object.fromEntries(
        Object.entries(throughputCpu)
          .filter(([k]) => !['machineBusy', 'other', 'cores', 'bench'].includes(k))
          .map(([k, cores]) => [k, round((cores * elapsedMs) / delivered, 2)]),
      ),
    };
    note(`${o.topology}: ${delivered} delivered at ${throughput.resourcesPerSecond}/s; latency phase`);

    // Latency: results recorded one by one at a steady rate, well under capacity.
    const templates = (await fetchAll(hospital.baseUrl, 'Observation'))
      .filter((r) => arrived.has(keyOf(r) ?? ''))
      .slice(0, 50) as Observation[];
    if (templates.length === 0) throw new Error('no Observation reached the GP: nothing to time');
    const system = templates[0].identifier?.[0]?.system ?? 'urn:bench';
    const run = randomBytes(3).toString('hex');
    const since = new Date(Date.now() - 1000).toISOString();
    const writes = new Map<string, number>();
    const latencyCpuBefore = cpuSample();
    const interval = 1000 / o.latencyWritesPerSecond;
    const phaseStart = performance.now();
    for (let i = 0; i < o.latencyWrites; i++) {
      const wait = phaseStart + i * interval - performance.now();
      if (wait > 0) await sleep(wait);
      const value = `bench-${run}-${i}`;
      writes.set(
        `Observation|${system}|${value}`,
        await writeObservation(hospital.baseUrl, templates[i % templates.length], { system, value }),
      );
    }
    const arrivals = new Map<string, number>();
    const deadline = Date.now() + 120_000;
    while (arrivals.size < writes.size && Date.now() < deadline) {
      await sleep(200);
      for (const r of await writtenSince(gp.baseUrl, 'Observation', since)) {
        const key = keyOf(r);
        if (key && writes.has(key) && r.meta?.lastUpdated) arrivals.set(key, Date.parse(r.meta.lastUpdated));
      }
    }
    const latencyCpu = coresBetween(latencyCpuBefore, cpuSample(), pids);
    const latencies = [...arrivals].map(([key, at]) => at - (writes.get(key) ?? at));
    const p50 = percentile(latencies, 50);
    const latency = {
      what: `${o.latencyWrites} Observations POSTed to the hospital server, ${o.latencyWritesPerSecond}/s; latency = GP server meta.lastUpdated − hospital server meta.lastUpdated`,
      writes: writes.size,
      arrived: arrivals.size,
      ms: {
        p50,
        p99: percentile(latencies, 99),
        max: maximum(latencies),
        min: -maximum(latencies.map((l) => -l)),
      },
      p50InPollIntervals: round(p50 / o.pollIntervalMs, 2),
      cpuCores: latencyCpu,
    };
    if (arrivals.size < writes.size)
      throw new Error(`${writes.size - arrivals.size} of ${writes.size} writes never reached the GP`);
    return { topology: describeTopology(o), throughput, latency };
  } finally {
    // Newest first: connectors before the servers they poll, the hub last; then its database.
    for (const child of started.reverse()) await child.stop();
    await db?.drop();
    if (redis) await deleteKeys(redis);
  }
}

function describeTopology(o: ExchangeOptions) {
  const production = o.topology === 'production';
  return {
    hub: production
      ? 'built hub, PostgreSQL (a database of its own), REDIS_URL set, SYNC_WORKER=off'
      : 'built hub, embedded PGlite, SYNC_WORKER=in-process (in-process queue driver)',
    worker: production
      ? 'built worker process, BullMQ on the same Redis and key prefix'
      : 'in the hub process',
    agencies: 'hospital and GP: one sandbox process each (Medplum FhirRouter + MemoryRepository)',
    connectors: `one connector process per agency, cursors in PGlite, POLL_INTERVAL_MS=${o.pollIntervalMs}, PAGE_SIZE=${o.pageSize}`,
    outboxPollMs: o.outboxPollMs,
    routeConcurrency: o.routeConcurrency ?? 'default (SYNC_CONCURRENCY unset: 4)',
    ginFastupdate: production
      ? o.ginFastupdateOff
        ? 'off (diagnostic)'
        : 'on (PostgreSQL default)'
      : 'default',
  };
}
