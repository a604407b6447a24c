/**
 * Auth benchmark: the same audited reads (GET /fhir/Patient/{id}, 32 connections) through the hub
 * with its access guard (bearer token verified, cached, scopes and purpose checked) and with the
 * guard replaced by bench/lib/guard-off, in one run on one seeded database.
 * Target: guarded throughput ≥ 0.85 × unguarded. Run: npm run bench:auth [-- --seconds S]
 */
import { resolve } from 'node:path';
import { authHeader, BENCH_AGENCY } from './lib/auth';
import { runBench } from './lib/cleanup';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, startHub } from './lib/hub';
import { CONNECTIONS, measure, READ_IDS, seed, summary, WARMUP_SECONDS } from './lib/reads';
import { intArg, machine, note, report, round } from './lib/report';

const TARGET_RATIO = 0.85;

async function main(): Promise<void> {
  const seconds = intArg('seconds', 10);
  const db = await createDatabase('auth');
  const guarded = await startHub({ databaseUrl: db.url });
  note(`seeding ${READ_IDS} patients`);
  const ids = await explainFailures(guarded, () => seed(guarded, READ_IDS));
  await checkpoint();
  const paths = ids.map((id) => `/fhir/Patient/${id}`);
  const auth = authHeader(await guarded.tokens.token());
  note(`guard on: ${seconds} s at ${CONNECTIONS} connections`);
  const on = await measure({ url: guarded.url, pid: guarded.pid, databaseUrl: db.url }, paths, seconds, auth);
  await guarded.stop();

  // The agency registered by the first hub already exists: the second only needs its id.
  process.env.BENCH_GUARD_OFF_AGENCY = BENCH_AGENCY;
  const unguarded = await startHub({ databaseUrl: db.url, preload: resolve(__dirname, 'lib/guard-off.js') });
  note(`guard off: ${seconds} s at ${CONNECTIONS} connections`);
  const off = await measure(
    { url: unguarded.url, pid: unguarded.pid, databaseUrl: db.url },
    paths,
    seconds,
    auth,
  );
  await unguarded.stop();
  await db.drop();

  const rate = (r: typeof on) => r.result.requests.total / r.result.duration;
  const ratio = rate(on) / rate(off);
  report('auth', {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      idsReadInTurn: paths.length,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      seconds,
    },
    guardOn: summary(on),
    guardOff: {
      what: 'the FHIR guard replaced by bench/lib/guard-off (fixed access context)',
      ...summary(off),
    },
    ratioOnToOff: round(ratio, 3),
    targets: { ratio: TARGET_RATIO },
    meetsTarget: { ratio: ratio >= TARGET_RATIO },
  });
  const bad = on.result.non2xx + on.result.errors + off.result.non2xx + off.result.errors;
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

runBench(main);
