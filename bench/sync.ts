/**
 * Sync benchmark: hospital → hub → GP, every part its own process (bench/README.md, "bench/sync").
 * 1. push: the hub alone taking a hospital connector's backfill (transaction Bundles of conditional
 *    updates with conditional references, built by the connector's own code), then the same again
 *    (a retried push: nothing changes);
 * 2. baseline: BullMQ no-op jobs/s on the same Redis, through the worker's driver;
 * 3. the exchange on the production topology (PostgreSQL, a worker process on BullMQ): backfill
 *    throughput to the GP server, then latency of single writes with connectors polling;
 * 4. the same on the embedded default (PGlite, routing in the hub's process), smaller.
 * Run: npm run bench:sync [-- --patients N --embedded-patients N --poll-ms MS --writes N
 *      --writes-per-second N --no-embedded --gin-fastupdate-off --outbox-poll-ms MS
 *      --route-concurrency N --page-size N --profile]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { HubTokenProvider } from '../apps/connector/src';
import { registerConnectorAgency } from '../apps/connector/src/connector.testing';
import { runBench } from './lib/cleanup';
import { waitForQuiet } from './lib/cpu';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { flag, intArg, machine, note, report, resultName, round } from './lib/report';
import { bullmqNoopBaseline } from './lib/sync-baseline';
import { coresBetween, cpuSample } from './lib/sync-cpu';
import { runExchange } from './lib/sync-exchange';
import { describePush, type PushPage, pushPages, pushPagesOf } from './lib/sync-push';
import { redisTarget, startSyncHub, tempDir } from './lib/sync-stack';
import { connectorRss } from './lib/rss-peaks';

const SEED = 42;
const WARMUP_SEED = 7;
const ROUTE_CONCURRENCY = 4; // SYNC_CONCURRENCY's default
// Issue 15: production ≥ 1,000 resources/s, embedded ≥ 700/s, p50 ≤ one poll interval + 100 ms.
const TARGET_RESOURCES_PER_SECOND = 1000;
const TARGET_EMBEDDED_RESOURCES_PER_SECOND = 700;
const TARGET_P50_OVER_POLL_MS = 100;
// Issue 19: each connector ≤ 120 MB resident at any point.
const TARGET_CONNECTOR_MB = 120;

/** The hub alone: a hospital connector's backfill pushed page by page, then pushed again. */
async function benchPush(pages: PushPage[], warmup: PushPage[], ginFastupdateOff: boolean) {
  const db = await createDatabase('sync_push');
  // Routing off: this phase is the hub's transaction only.
  const hub = await startSyncHub({ databaseUrl: db.url, syncPollIntervalMs: 200, embeddedWorker: 'off' });
  try {
    if (ginFastupdateOff) {
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query('ALTER INDEX resource_tokens SET (fastupdate = off)');
      await c.query('ALTER INDEX resource_refs SET (fastupdate = off)');
      await c.end();
    }
    const key = await registerConnectorAgency(
      hub.url,
      hub.adminToken,
      { id: 'hospital', kind: 'hospital' },
      { dir: tempDir('push-keys') },
    );
    const tokens = new HubTokenProvider({
      url: hub.url,
      clientId: key.id,
      key: { privateKey: key.privateKey, kid: key.kid, alg: 'ES384' },
      scope: 'system/*.cruds',
      purposeOfUse: 'TREAT',
    });
    const token = () => tokens.token();
    await pushPages(hub.fhir, token, warmup);
    await checkpoint();
    const busyBefore = await waitForQuiet(30_000);
    let before = cpuSample();
    const fresh = await pushPages(hub.fhir, token, pages);
    const freshCpu = coresBetween(before, cpuSample(), { hub: hub.pid });
    before = cpuSample();
    const again = await pushPages(hub.fhir, token, pages);
    const againCpu = coresBetween(before, cpuSample(), { hub: hub.pid });
    if (again.created !== 0) throw new Error(`a retried push created ${again.created} resources`);
    return {
      what: 'the hub alone (PostgreSQL, routing off): one connector pushing, one page in flight, as the connector does',
      machineBusyCoresBeforeStart: busyBefore,
      backfill: { ...describePush(fresh), cpuCores: freshCpu },
      retriedPush: { ...describePush(again), cpuCores: againCpu },
    };
  } finally {
    await hub.stop();
    await db.drop();
  }
}

async function main(): Promise<void> {
  const patients = intArg('patients', 150);
  const embeddedPatients = intArg('embedded-patients', Math.max(3, Math.round(patients / 3)));
  const pollIntervalMs = intArg('poll-ms', 200);
  // The connectors' PAGE_SIZE (npm start and compose: 100); diagnostic: what a page's fixed cost weighs.
  const pageSize = intArg('page-size', 100);
  // Diagnostics (their reports get a suffix): the worker's outbox poll and its route concurrency.
  const outboxPollMs = intArg('outbox-poll-ms', 200);
  const routeConcurrency = process.argv.includes('--route-concurrency')
    ? intArg('route-concurrency', 4)
    : undefined;
  const latencyWrites = intArg('writes', 100);
  const latencyWritesPerSecond = intArg('writes-per-second', 10);
  const ginFastupdateOff = flag('gin-fastupdate-off');
  const profileDir = flag('profile') ? mkdtempSync(join(tmpdir(), 'passerelle-sync-profile-')) : undefined;
  const withEmbedded = !flag('no-embedded');
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

  note(`push: building the hospital connector's pages (${patients} patients in the population)`);
  const pages = await pushPagesOf('hospital', patients, pageSize, SEED);
  const warmup = await pushPagesOf('hospital', 10, pageSize, WARMUP_SEED);
  const push = await benchPush(pages, warmup, ginFastupdateOff);
  note(
    `push: ${push.backfill.resourcesPerSecond} resources/s, retried ${push.retriedPush.resourcesPerSecond}/s`,
  );

  note('baseline: BullMQ no-op jobs');
  const baseline = await bullmqNoopBaseline(
    redisTarget(redisUrl, 'noop'),
    5000,
    routeConcurrency ?? ROUTE_CONCURRENCY,
  );

  const common = {
    seed: SEED,
    pollIntervalMs,
    outboxPollMs,
    routeConcurrency,
    pageSize,
    redisUrl,
    latencyWrites,
    latencyWritesPerSecond,
  };
  const productionRun = await runExchange({
    ...common,
    topology: 'production',
    patients,
    ginFastupdateOff,
    profileDir,
  });
  const embeddedRun = withEmbedded
    ? await runExchange({
        ...common,
        topology: 'embedded',
        patients: embeddedPatients,
        ginFastupdateOff: false,
      })
    : undefined;

  connectorRss.stop();
  const connectorPeaks = connectorRss.peaks();
  const connectorPeakMB = Math.max(...Object.values(connectorPeaks).map((p) => p.peakMB));
  const e2e = productionRun.throughput.resourcesPerSecond;
  const p50Ms = productionRun.latency.ms.p50;
  const p50TargetMs = pollIntervalMs + TARGET_P50_OVER_POLL_MS;
  const name = resultName('sync', {
    'gin-fastupdate-off': ginFastupdateOff,
    [`outbox-poll-${outboxPollMs}ms`]: outboxPollMs !== 200,
    [`route-concurrency-${routeConcurrency ?? 4}`]: routeConcurrency !== undefined,
    'no-embedded': !withEmbedded,
    profile: profileDir !== undefined,
    [`poll-${pollIntervalMs}ms`]: pollIntervalMs !== 200,
    [`page-${pageSize}`]: pageSize !== 100,
  });
  report(name, {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      population: patients,
      hospitalPatients:
        'two in three of the population (sandbox seed), each with its stays, results, reports and documents',
      gpPatients: 'the whole population (the GP of record of everyone)',
      seed: SEED,
      pageSize,
      pollIntervalMs,
      routeConcurrency: routeConcurrency ?? ROUTE_CONCURRENCY,
    },
    push,
    baseline,
    production: productionRun,
    ...(embeddedRun ? { embedded: { population: embeddedPatients, ...embeddedRun } } : {}),
    ratios: {
      endToEndToBullmqNoop: round(e2e / baseline.jobsPerSecond, 3),
      ...(embeddedRun
        ? { embeddedToProduction: round(embeddedRun.throughput.resourcesPerSecond / e2e, 3) }
        : {}),
    },
    connectorRssMB: connectorPeaks,
    targets: {
      resourcesPerSecond: TARGET_RESOURCES_PER_SECOND,
      embeddedResourcesPerSecond: TARGET_EMBEDDED_RESOURCES_PER_SECOND,
      p50LatencyMs: p50TargetMs,
      connectorMB: TARGET_CONNECTOR_MB,
    },
    meetsTarget: {
      resourcesPerSecond: e2e >= TARGET_RESOURCES_PER_SECOND,
      ...(embeddedRun
        ? {
            embeddedResourcesPerSecond:
              embeddedRun.throughput.resourcesPerSecond >= TARGET_EMBEDDED_RESOURCES_PER_SECOND,
          }
        : {}),
      p50Latency: p50Ms <= p50TargetMs,
      connectorRss: connectorPeakMB <= TARGET_CONNECTOR_MB,
    },
  });
}

runBench(main);
