/**
 * Ingest benchmark: synthetic patients as create-mode transaction Bundles (~50 resources each)
 * POSTed to the built hub on a fresh PostgreSQL database, 8 in flight; baseline: the same
 * resource JSON, bundle-sized batched INSERTs into a bare JSONB table with pg, 8 in flight. The
 * hub also runs the same Bundles without its reference check (bench/lib/references-off), to tell
 * what that check costs. With --compare-audit, the hub runs again with
 * BENCH_WRITE_AUDIT=after-commit (the previous way: a write's audit record appended by the group
 * commit after it committed), alternating with the default (appended inside the write's
 * transaction) --audit-rounds times, and reports the ratio.
 * Run: npm run bench:ingest [-- --patients N --runs N --profile --redis --plain-creates --compare-audit]
 * (see bench/README.md)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Pool } from 'pg';
import { generatePatients, toTransactionBundle } from '@passerelle/synthetic';
import { runBench } from './lib/cleanup';
import { runConcurrently } from './lib/concurrency';
import { cpuBetween, snapshot, waitForQuiet } from './lib/cpu';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { sampleActivity } from './lib/pg-activity';
import { type PreparedBundle, postTransaction, prepare } from './lib/hub-client';
import { explainFailures, redisUrlFromArgs, startHub } from './lib/hub';
import { flag, intArg, machine, maximum, note, percentile, report, resultName, round } from './lib/report';

const CONCURRENCY = 8;
const WARMUP_PATIENTS = 8;
const SEED = 20_251_129;
const TARGET_RESOURCES_PER_SECOND = 1_500;
const TARGET_RATIO = 0.25;
const MIN_BASELINE_MS = 3_000;
const MIN_BASELINE_ROUNDS = 3;
const REFERENCES_OFF = resolve(__dirname, 'lib/references-off.js');

function latency(samples: number[]) {
  return {
    p50: round(percentile(samples, 50)),
    p99: round(percentile(samples, 99)),
    max: round(maximum(samples)),
  };
}

type HubRun = Awaited<ReturnType<typeof benchHub>>;

async function benchHub(
  warmup: PreparedBundle[],
  measured: PreparedBundle[],
  options: { profile: boolean; redisUrl?: string; referenceChecks?: boolean; env?: Record<string, string> },
) {
  const checks = options.referenceChecks ?? true;
  const db = await createDatabase(checks ? 'ingest_hub' : 'ingest_hub_refs_off');
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'passerelle-ingest-profile-')) : undefined;
  const hub = await startHub({
    databaseUrl: db.url,
    profileDir,
    redisUrl: options.redisUrl,
    env: options.env,
    preload: checks ? undefined : REFERENCES_OFF,
  });
  try {
    let answered200 = 0;
    let created = 0;
    const post = async (bundle: PreparedBundle) => {
      // Await first: `created += await …` would add to a stale value read before the await.
      const answer = await postTransaction(hub.fhir, await hub.tokens.token(), bundle);
      created += answer.created;
      answered200++;
    };
    await explainFailures(hub, () => runConcurrently(warmup, CONCURRENCY, post));
    answered200 = 0;
    created = 0;
    await checkpoint();
    const busyBefore = await waitForQuiet();
    const activity = await sampleActivity(db.url);
    const before = snapshot();
    const fromUs = process.hrtime.bigint() / 1000n;
    const run = await explainFailures(hub, () => runConcurrently(measured, CONCURRENCY, post));
    // Same monotonic clock as the profile's timestamps: profile-summary keeps only this window.
    if (profileDir) note(`measured window (µs): ${fromUs} ${process.hrtime.bigint() / 1000n}`);
    const cpu = cpuBetween(before, snapshot(), hub.pid, machine().cores);
    const backends = await activity.stop();
    if (answered200 !== measured.length)
      throw new Error(`${answered200} of ${measured.length} bundles got 200`);
    const settings = { ...hub.settings, referenceChecks: checks ? 'on' : 'off (bench/lib/references-off)' };
    return { ...run, cpu, backends, busyBefore, answered200, created, settings };
  } finally {
    await hub.stop();
    await db.drop();
    if (profileDir) note(`hub CPU profile written to ${profileDir}`);
  }
}

/**
 * One multi-row INSERT per bundle: the least work that stores the same JSON as JSONB. It is
 * far quicker than the hub, so the measured batches are sent again (new ids) until the phase
 * lasts long enough to give a stable rate.
 */
async function benchBaseline(warmup: string[][], measured: string[][]) {
  const db = await createDatabase('ingest_bare');
  const pool = new Pool({ connectionString: db.url, max: CONCURRENCY });
  // pool.end() can resolve before the server has closed every backend; the forced DROP that
  // follows then terminates them, which must not crash the run as an unhandled 'error'.
  pool.on('error', (e) => note(`pg pool: ${e.message}`));
  try {
    await pool.query('CREATE TABLE bare (id text primary key, content jsonb)');
    const insert = async (batch: string[]) => {
      const values = batch.map((_, i) => `($${2 * i + 1}, $${2 * i + 2}::jsonb)`).join(', ');
      const params = batch.flatMap((json) => [randomUUID(), json]);
      await pool.query(`INSERT INTO bare (id, content) VALUES ${values}`, params);
    };
    await runConcurrently(warmup, CONCURRENCY, insert);
    await checkpoint();
    const busyBefore = await waitForQuiet();
    const before = snapshot();
    let rounds = 0;
    let elapsedMs = 0;
    const latenciesMs: number[] = [];
    while (rounds < MIN_BASELINE_ROUNDS || elapsedMs < MIN_BASELINE_MS) {
      const run = await runConcurrently(measured, CONCURRENCY, insert);
      elapsedMs += run.elapsedMs;
      latenciesMs.push(...run.latenciesMs);
      rounds++;
    }
    const cpu = cpuBetween(before, snapshot(), -1, machine().cores);
    const stored = await pool.query<{ n: string }>('SELECT count(*) AS n FROM bare');
    const sent = [...warmup, ...Array.from({ length: rounds }, () => measured).flat()];
    if (Number(stored.rows[0].n) !== sent.reduce((n, b) => n + b.length, 0)) {
      throw new Error(`baseline stored ${stored.rows[0].n} rows`);
    }
    return { elapsedMs, latenciesMs, rounds, cpu, busyBefore };
  } finally {
    await pool.end();
    await db.drop();
  }
}

/**
 * The cost of appending each write's audit record inside its transaction (the chain lock held to
 * COMMIT) against the previous way, appended after the commit by the group commit: the same
 * bundles on a fresh database each run, the two ways alternated `rounds` times.
 */
async function compareWriteAudit(
  warmup: PreparedBundle[],
  measured: PreparedBundle[],
  options: { resources: number; rounds: number; redisUrl?: string },
) {
  const rates = { inTransaction: [] as number[], afterCommit: [] as number[] };
  const p50 = { inTransaction: [] as number[], afterCommit: [] as number[] };
  for (let r = 0; r < options.rounds; r++) {
    for (const way of ['afterCommit', 'inTransaction'] as const) {
      note(`write audit ${way}, round ${r + 1} of ${options.rounds}`);
      const env: Record<string, string> = way === 'afterCommit' ? { BENCH_WRITE_AUDIT: 'after-commit' } : {};
      const run = await benchHub(warmup, measured, { profile: false, redisUrl: options.redisUrl, env });
      rates[way].push(Math.round(options.resources / (run.elapsedMs / 1000)));
      p50[way].push(round(percentile(run.latenciesMs, 50)));
    }
  }
  const median = (xs: number[]) => percentile(xs, 50);
  return {
    what: 'the hub alone, the write audit appended in the write transaction vs after its commit (BENCH_WRITE_AUDIT=after-commit), alternated',
    rounds: options.rounds,
    resourcesPerSecond: rates,
    bundleLatencyP50Ms: p50,
    ratioInTransactionToAfterCommit: round(median(rates.inTransaction) / median(rates.afterCommit), 3),
  };
}

async function main(): Promise<void> {
  const patients = intArg('patients', 200);
  const profile = flag('profile');
  const redisUrl = redisUrlFromArgs();
  // Diagnostic: shared directory resources as plain POSTs instead of conditional creates.
  const conditionalDirectory = !flag('plain-creates');
  note(`generating ${patients} + ${WARMUP_PATIENTS} warm-up patients`);
  const bundles = generatePatients(patients + WARMUP_PATIENTS, SEED).map((p) =>
    toTransactionBundle(p, 'create', { conditionalDirectory }),
  );
  const prepared = bundles.map(prepare);
  const batches = bundles.map((b) => (b.entry ?? []).map((e) => JSON.stringify(e.resource)));
  const resources = batches.slice(WARMUP_PATIENTS).reduce((n, b) => n + b.length, 0);

  // The hub with and without its reference check, in pairs whose order alternates, so that both
  // see the same share of other jobs' load; the first checked run is the one reported in full.
  const runs = Math.max(1, intArg('runs', 1));
  const pairs: { checked: HubRun; unchecked: HubRun }[] = [];
  for (let i = 0; i < runs; i++) {
    const phase = (referenceChecks: boolean) => {
      note(
        `hub, reference checks ${referenceChecks ? 'on' : 'off'} (run ${i + 1} of ${runs}): ${resources} resources`,
      );
      return benchHub(prepared.slice(0, WARMUP_PATIENTS), prepared.slice(WARMUP_PATIENTS), {
        profile: profile && referenceChecks && i === 0,
        redisUrl,
        referenceChecks,
      });
    };
    const first = await phase(i % 2 === 0);
    const second = await phase(i % 2 !== 0);
    pairs.push(i % 2 === 0 ? { checked: first, unchecked: second } : { checked: second, unchecked: first });
  }
  const hub = pairs[0].checked;
  const unchecked = pairs[0].unchecked;
  const rate = (run: HubRun) => resources / (run.elapsedMs / 1000);
  // CPU of the hub process per resource: less sensitive than rates to other jobs on the machine.
  const hubCpuMs = (run: HubRun) => round((run.cpu.serverCores * run.elapsedMs) / resources, 3);
  const median = (values: number[]) => percentile(values, 50);
  const writeAudit = flag('compare-audit')
    ? await compareWriteAudit(prepared.slice(0, WARMUP_PATIENTS), prepared.slice(WARMUP_PATIENTS), {
        resources,
        rounds: intArg('audit-rounds', 2),
        redisUrl,
      })
    : undefined;
  note('baseline: bare JSONB table');
  const bare = await benchBaseline(batches.slice(0, WARMUP_PATIENTS), batches.slice(WARMUP_PATIENTS));

  const hubRate = rate(hub);
  const uncheckedRate = rate(unchecked);
  const bareRate = (resources * bare.rounds) / (bare.elapsedMs / 1000);
  const name = resultName('ingest', {
    'plain-creates': !conditionalDirectory,
    'compare-audit': writeAudit !== undefined,
    redis: redisUrl !== undefined,
    profiled: profile,
  });
  report(name, {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      patients,
      bundles: patients,
      resources,
      resourcesPerBundle: round(resources / patients),
      requestBytesPerBundle: Math.round(
        prepared.slice(WARMUP_PATIENTS).reduce((n, b) => n + Buffer.byteLength(b.body), 0) / patients,
      ),
      concurrency: CONCURRENCY,
      warmupBundles: WARMUP_PATIENTS,
      seed: SEED,
      directoryEntries: conditionalDirectory ? 'conditional create (ifNoneExist)' : 'plain create',
    },
    hub: {
      settings: hub.settings,
      resourcesPerSecond: Math.round(hubRate),
      bundlesPerSecond: round(patients / (hub.elapsedMs / 1000)),
      elapsedMs: Math.round(hub.elapsedMs),
      bundleLatencyMs: latency(hub.latenciesMs),
      bundlesAnswered200: hub.answered200,
      // The rest are shared directory resources (conditional creates) that already existed.
      resourcesCreated: hub.created,
      machineBusyCoresBeforeStart: hub.busyBefore,
      cpuCores: hub.cpu,
      postgresBackends: hub.backends,
    },
    hubWithoutReferenceChecks: {
      settings: unchecked.settings,
      resourcesPerSecond: Math.round(uncheckedRate),
      elapsedMs: Math.round(unchecked.elapsedMs),
      bundleLatencyMs: latency(unchecked.latenciesMs),
      machineBusyCoresBeforeStart: unchecked.busyBefore,
      cpuCores: unchecked.cpu,
    },
    // What the check that references name what the writer may see costs (1 = nothing): the
    // median over the pairs of runs.
    ratioReferenceChecksOnToOff: round(median(pairs.map((p) => rate(p.checked) / rate(p.unchecked))), 3),
    referenceCheckRuns: pairs.map((p) => ({
      resourcesPerSecond: { on: Math.round(rate(p.checked)), off: Math.round(rate(p.unchecked)) },
      ratioOnToOff: round(rate(p.checked) / rate(p.unchecked), 3),
      bundleLatencyP50Ms: {
        on: latency(p.checked.latenciesMs).p50,
        off: latency(p.unchecked.latenciesMs).p50,
      },
      hubCpuMsPerResource: { on: hubCpuMs(p.checked), off: hubCpuMs(p.unchecked) },
      otherCores: { on: p.checked.cpu.otherCores, off: p.unchecked.cpu.otherCores },
    })),
    baseline: {
      what: 'multi-row INSERT (one per bundle) of the same resource JSON into bare(id text primary key, content jsonb), pg Pool of 8',
      resourcesPerSecond: Math.round(bareRate),
      rounds: bare.rounds,
      elapsedMs: Math.round(bare.elapsedMs),
      batchLatencyMs: latency(bare.latenciesMs),
      machineBusyCoresBeforeStart: bare.busyBefore,
      cpuCores: bare.cpu,
    },
    ratioHubToBaseline: round(hubRate / bareRate, 3),
    ...(writeAudit ? { writeAudit } : {}),
    targets: { resourcesPerSecond: TARGET_RESOURCES_PER_SECOND, ratioHubToBaseline: TARGET_RATIO },
    meetsTarget: {
      resourcesPerSecond: hubRate >= TARGET_RESOURCES_PER_SECOND,
      ratioHubToBaseline: hubRate / bareRate >= TARGET_RATIO,
    },
  });
}

runBench(main);
