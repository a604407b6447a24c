/**
 * Auth benchmark: the same audited reads (GET /fhir/Patient/{id}, 32 connections) through the hub
 * with its access guard (bearer token verified, cached, scopes and purpose checked) and with the
 * guard replaced by bench/lib/guard-off, both hubs on one seeded database.
 * `--runs N` (default 3) alternates the two N times, the first of each pair changing every run (so
 * neither always follows seeding or the other's dirty pages); the medians are reported, with each
 * pair's CPU per request. `--profile`: the guarded hub runs under --cpu-prof (its measured windows
 * are printed for profile-summary; report `auth-profile.json`).
 * Target (issue 15): guarded throughput ≥ 0.95 × unguarded.
 * Run: npm run bench:auth [-- --seconds S --runs N --profile]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { authHeader, BENCH_AGENCY } from './lib/auth';
import { runBench } from './lib/cleanup';
import { waitForQuiet } from './lib/cpu';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, type Hub, startHub } from './lib/hub';
import { CONNECTIONS, measure, READ_IDS, seed, summary, WARMUP_SECONDS } from './lib/reads';
import { flag, intArg, machine, note, percentile, report, resultName, round } from './lib/report';

const TARGET_RATIO = 0.95;

type Run = Awaited<ReturnType<typeof measure>>;

const rate = (r: Run) => r.result.requests.total / r.result.duration;
const median = (values: number[]) => percentile(values, 50);

async function main(): Promise<void> {
  const seconds = intArg('seconds', 10);
  const runs = intArg('runs', 3);
  const profile = flag('profile');
  const db = await createDatabase('auth');
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'passerelle-auth-profile-')) : undefined;
  const guarded = await startHub({ databaseUrl: db.url, profileDir });
  note(`seeding ${READ_IDS} patients`);
  const ids = await explainFailures(guarded, () => seed(guarded, READ_IDS));
  // The agency registered by the first hub already exists: the second only needs its id.
  process.env.BENCH_GUARD_OFF_AGENCY = BENCH_AGENCY;
  const unguarded = await startHub({ databaseUrl: db.url, preload: resolve(__dirname, 'lib/guard-off.js') });
  const paths = ids.map((id) => `/fhir/Patient/${id}`);

  const phase = async (hub: Hub, name: string, label: string): Promise<Run> => {
    note(`${label}: ${name}: ${seconds} s at ${CONNECTIONS} connections`);
    await checkpoint();
    // Quiet first, then the token: a phase lasts at most 15 s after it, and a token ≥ 60 s.
    await waitForQuiet();
    // One access token per phase (each lasts the whole phase): the guarded hub verifies its
    // signature once, then answers from its cache, as it does for a client that renews on time.
    const auth = authHeader(await guarded.tokens.token());
    return measure({ url: hub.url, pid: hub.pid, databaseUrl: db.url }, paths, seconds, auth);
  };
  const pairs: { on: Run; off: Run; onFirst: boolean }[] = [];
  for (let i = 1; i <= runs; i++) {
    const label = `run ${i}/${runs}`;
    const onFirst = i % 2 === 1;
    let on: Run;
    let off: Run;
    if (onFirst) {
      on = await phase(guarded, 'guard on', label);
      off = await phase(unguarded, 'guard off', label);
    } else {
      off = await phase(unguarded, 'guard off', label);
      on = await phase(guarded, 'guard on', label);
    }
    if (profileDir) note(`${label}: guarded window (µs): ${on.windowUs}`);
    pairs.push({ on, off, onFirst });
  }
  await guarded.stop();
  await unguarded.stop();
  await db.drop();
  if (profileDir) note(`the guarded hub's CPU profile is in ${profileDir}`);

  const ratios = pairs.map((p) => rate(p.on) / rate(p.off));
  const ratio = median(ratios);
  // The pair reported in full is the one with the median ratio.
  const middle = pairs[ratios.indexOf(ratio)] ?? pairs[0];
  const serverMs = (r: Run) => summary(r).cpuMsPerRequest.server;
  report(resultName('auth', { profile }), {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      idsReadInTurn: paths.length,
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      seconds,
      runs,
    },
    runs: pairs.map(({ on, off, onFirst }) => ({
      first: onFirst ? 'guard on' : 'guard off',
      guardOnRequestsPerSecond: Math.round(rate(on)),
      guardOffRequestsPerSecond: Math.round(rate(off)),
      ratioOnToOff: round(rate(on) / rate(off), 3),
      hubCpuMsPerRequest: { guardOn: serverMs(on), guardOff: serverMs(off) },
      otherCores: { guardOn: on.cpu.otherCores, guardOff: off.cpu.otherCores },
    })),
    guardOn: summary(middle.on),
    guardOff: {
      what: 'the FHIR guard replaced by bench/lib/guard-off (fixed access context)',
      ...summary(middle.off),
    },
    ratioOnToOff: round(ratio, 3),
    hubCpuMsPerRequestRatioOnToOff: round(median(pairs.map((p) => serverMs(p.on) / serverMs(p.off))), 3),
    targets: { ratio: TARGET_RATIO },
    meetsTarget: { ratio: ratio >= TARGET_RATIO },
  });
  const bad = pairs.reduce(
    (n, p) => n + p.on.result.non2xx + p.on.result.errors + p.off.result.non2xx + p.off.result.errors,
    0,
  );
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

runBench(main);
