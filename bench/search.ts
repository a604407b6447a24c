/**
 * Search benchmark: ~1,000 synthetic patients (~50,000 resources) on the built hub and a fresh
 * PostgreSQL database, 20 typical searches of a GP's software (name + birth date, identifier, a
 * patient's encounters by date, active conditions, a chain, `_has`, `_include` ...), each over
 * many patients: p50/p99 per query (sequential, one connection), then all of them mixed at 32
 * connections for requests/s.
 * Baseline, same run, same hub: `GET /fhir/Patient/{id}` (a read: the cheapest audited,
 * consent-checked request). Run: npm run bench:search [-- --patients N --seconds S --label L --profile]
 * `--label L` writes the report to `search-L.json` (a run kept beside the reference one);
 * `--profile` runs the hub under --cpu-prof and prints the mixed phase's window for profile-summary.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle } from 'fhir/r4';
import { authHeader } from './lib/auth';
import { runBench } from './lib/cleanup';
import { analyze, checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, startHub } from './lib/hub';
import { CONNECTIONS, measure, seed, summary } from './lib/reads';
import { flag, intArg, machine, note, percentile, report, round } from './lib/report';
import { QUERIES, samplePatients } from './lib/search-queries';

const TARGET_P50_MS = 10;
const TARGET_REQUESTS_PER_SECOND = 1_500;
const SAMPLE_PATIENTS = 50;

async function main(): Promise<void> {
  const patients = intArg('patients', 1_000);
  const seconds = intArg('seconds', 5);
  const label = flag('label') ? process.argv[process.argv.indexOf('--label') + 1] : undefined;
  if (label !== undefined && !/^[a-z0-9-]+$/.test(label)) throw new Error('--label expects [a-z0-9-]+');
  const profileDir = flag('profile') ? mkdtempSync(join(tmpdir(), 'passerelle-search-profile-')) : undefined;
  const db = await createDatabase('search');
  const hub = await startHub({ databaseUrl: db.url, profileDir });
  note(`seeding ${patients} patients`);
  const ids = await explainFailures(hub, () => seed(hub, patients));
  // Measured as a deployment runs: with the statistics autovacuum keeps (see analyze).
  await analyze(db.url);
  await checkpoint();
  // Access tokens live 5 minutes at most: a fresh one for each measured run.
  const fresh = async () => authHeader(await hub.tokens.token());
  const auth = await fresh();
  const sample = await samplePatients(hub.fhir, ids, auth, SAMPLE_PATIENTS);
  const resources = (
    (await (await fetch(`${hub.fhir}/Observation?_summary=count`, { headers: auth })).json()) as Bundle
  ).total;
  const perQuery: Record<string, unknown> = {};
  const all: string[] = [];
  for (const [name, template] of Object.entries(QUERIES)) {
    const auth = await fresh();
    const paths = sample.map((p) => `/fhir/${template(p)}`);
    // Each query must be valid and answer: a 400 would measure the error path.
    const probe = await fetch(`${hub.url}${paths[0]}`, { headers: auth });
    if (probe.status !== 200)
      throw new Error(`${name}: ${probe.status} ${(await probe.text()).slice(0, 300)}`);
    const matches = ((await probe.json()) as Bundle).entry?.length ?? 0;
    // Latency per query: each sample patient's query in turn on one connection, twice (the
    // first pass warms up). Throughput is measured below, all queries mixed, at 32 connections.
    const latencies: number[] = [];
    for (const pass of [0, 1]) {
      for (const path of paths) {
        const started = performance.now();
        const res = await fetch(`${hub.url}${path}`, { headers: auth });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${name}: ${res.status} on ${path}`);
        if (pass === 1) latencies.push(performance.now() - started);
      }
    }
    perQuery[name] = {
      example: paths[0],
      entriesInFirstAnswer: matches,
      latencyMs: { p50: round(percentile(latencies, 50), 2), p99: round(percentile(latencies, 99), 2) },
    };
    all.push(...paths);
  }
  note(`all ${Object.keys(QUERIES).length} queries mixed`);
  const mixedRun = await measure(
    { url: hub.url, pid: hub.pid, databaseUrl: db.url },
    all,
    seconds * 2,
    await fresh(),
  );
  const mixed = summary(mixedRun);
  if (profileDir) note(`mixed window (µs): ${mixedRun.windowUs}`);
  note('baseline: GET /fhir/Patient/{id} on the same hub');
  const reads = summary(
    await measure(
      { url: hub.url, pid: hub.pid, databaseUrl: db.url },
      sample.map((p) => `/fhir/Patient/${p.id}`),
      seconds * 2,
      await fresh(),
    ),
  );
  const settings = hub.settings;
  await hub.stop();
  if (profileDir) note(`hub's CPU profile written to ${profileDir}`);
  await db.drop();
  const p50s = Object.values(perQuery).map((q) => (q as { latencyMs: { p50: number } }).latencyMs.p50);
  report(label === undefined ? 'search' : `search-${label}`, {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      patients,
      observations: resources,
      queries: Object.keys(QUERIES).length,
      samplePatients: SAMPLE_PATIENTS,
      connections: CONNECTIONS,
      seconds,
    },
    hub: { settings, perQuery, mixed },
    baseline: {
      what: 'GET /fhir/Patient/{id} on the same hub and data (read, audited, consent-checked)',
      ...reads,
    },
    ratioSearchToRead: round(mixed.requestsPerSecond / Math.max(1, reads.requestsPerSecond), 3),
    targets: { p50MsPerQuery: TARGET_P50_MS, requestsPerSecond: TARGET_REQUESTS_PER_SECOND },
    meetsTarget: {
      p50MsPerQuery: p50s.every((p) => p <= TARGET_P50_MS),
      requestsPerSecond: mixed.requestsPerSecond >= TARGET_REQUESTS_PER_SECOND,
    },
  });
  const bad = [mixed, reads].reduce((n, r) => n + r.non2xx + r.errors, 0);
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

runBench(main);
