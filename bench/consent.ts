/**
 * Consent benchmark: another agency's reads of the seeded patients' Observations
 * (GET /fhir/Observation/{id}, 32 connections), consent-checked and audited as in production,
 * against the same reads through a hub with bench/lib/checks-off preloaded (everything visible,
 * nothing audited), in one run on one database. Targets: p50 ratio ≤ 1.2; ≥ 3,000 audited
 * reads/s. Run: npm run bench:consent [-- --seconds S]
 */
import { resolve } from 'node:path';
import { authHeader, registerBenchAgency } from './lib/auth';
import { runBench } from './lib/cleanup';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, startHub } from './lib/hub';
import { CONNECTIONS, measure, READ_IDS, seed, summary, WARMUP_SECONDS } from './lib/reads';
import { intArg, machine, note, percentile, report, round } from './lib/report';

const READER = 'bench-reader';
const TARGET_P50_RATIO = 1.2;
const TARGET_REQUESTS_PER_SECOND = 3_000;

async function main(): Promise<void> {
  const seconds = intArg('seconds', 10);
  const db = await createDatabase('consent');
  const checked = await startHub({ databaseUrl: db.url });
  note(`seeding ${READ_IDS} patients`);
  const patients = await explainFailures(checked, () => seed(checked, READ_IDS));
  await checkpoint();
  // One Observation of each patient, read by another agency: consent is decided, not skipped.
  const writer = authHeader(await checked.tokens.token());
  const paths: string[] = [];
  for (const id of patients) {
    const res = await fetch(`${checked.fhir}/Observation?patient=${id}&_count=10&_total=none`, {
      headers: writer,
    });
    const bundle = (await res.json()) as {
      entry?: { resource?: { id?: string; meta?: { security?: unknown[] } } }[];
    };
    // An unlabelled one: sensitive data would (rightly) be 404 to another agency under the implied model.
    const obs = bundle.entry?.find((e) => !e.resource?.meta?.security)?.resource?.id;
    if (obs) paths.push(`/fhir/Observation/${obs}`);
  }
  const reader = await registerBenchAgency(checked.url, checked.adminToken, READER);
  const auth = authHeader(await reader.token());
  note(`consent-checked, audited: ${seconds} s at ${CONNECTIONS} connections over ${paths.length} ids`);
  const on = await measure({ url: checked.url, pid: checked.pid, databaseUrl: db.url }, paths, seconds, auth);
  await checked.stop();

  const unchecked = await startHub({ databaseUrl: db.url, preload: resolve(__dirname, 'lib/checks-off.js') });
  const uncheckedAuth = authHeader(
    await (await registerBenchAgency(unchecked.url, unchecked.adminToken, READER)).token(),
  );
  note(`unchecked: ${seconds} s at ${CONNECTIONS} connections`);
  const off = await measure(
    { url: unchecked.url, pid: unchecked.pid, databaseUrl: db.url },
    paths,
    seconds,
    uncheckedAuth,
  );
  await unchecked.stop();
  await db.drop();

  const rate = (r: typeof on) => r.result.requests.total / r.result.duration;
  const p50Ratio = percentile(on.latenciesMs, 50) / percentile(off.latenciesMs, 50);
  report('consent', {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      observationsReadInTurn: paths.length,
      reader: 'another agency (TREAT)',
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      seconds,
    },
    checked: summary(on),
    unchecked: {
      what: 'the same hub with bench/lib/checks-off preloaded: no consent check, no audit',
      ...summary(off),
    },
    p50Ratio: round(p50Ratio, 3),
    throughputRatio: round(rate(on) / rate(off), 3),
    targets: { p50Ratio: TARGET_P50_RATIO, auditedReadsPerSecond: TARGET_REQUESTS_PER_SECOND },
    meetsTarget: {
      p50Ratio: p50Ratio <= TARGET_P50_RATIO,
      auditedReadsPerSecond: rate(on) >= TARGET_REQUESTS_PER_SECOND,
    },
  });
  const bad = on.result.non2xx + on.result.errors + off.result.non2xx + off.result.errors;
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

runBench(main);
