/**
 * Consent benchmark: another agency's reads of the seeded patients' Observations (each patient
 * referred to it first: a care relationship)
 * (GET /fhir/Observation/{id}, 32 connections), consent-checked and audited as in production,
 * against the same reads through a hub with bench/lib/checks-off preloaded (everything visible,
 * nothing audited), in one run on one database. Targets: p50 ratio ≤ 1.2; ≥ 3,000 audited
 * reads/s. Run: npm run bench:consent [-- --seconds S --runs N --timings --profile]
 * `--runs N` alternates the two phases N times (a shared machine's noise shows as spread; the
 * medians are reported); `--timings` times the hub's stages (bench/lib/stage-timings);
 * `--profile` runs the checked hub under --cpu-prof and prints each checked window; `--split`
 * adds two hubs in the same alternation, one checking consent without auditing
 * (bench/lib/audit-off) and one auditing without checking consent (bench/lib/consent-off), to
 * show which of the two the checked read's extra cost is. After the saturated runs, both hubs are
 * offered the same fixed load (half the unchecked maximum, open loop) in turn: `fixedLoad`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Bundle } from 'fhir/r4';
import { authHeader, registerBenchAgency } from './lib/auth';
import { postTransaction, prepare } from './lib/hub-client';
import { onCleanup, runBench } from './lib/cleanup';
import { checkpoint, createDatabase, describePostgres } from './lib/database';
import { explainFailures, type Hub, startHub } from './lib/hub';
import { CONNECTIONS, measure, READ_IDS, seed, summary, WARMUP_SECONDS } from './lib/reads';
import { flag, intArg, machine, note, percentile, report, resultName, round } from './lib/report';

const READER = 'bench-reader';
const TARGET_P50_RATIO = 1.2;
const TARGET_REQUESTS_PER_SECOND = 3_000;
/** At a fixed offered load: checked p50 ≤ 1.2 × unchecked p50 + 1 ms. */
const FIXED_LOAD_P50_FACTOR = 1.2;
const FIXED_LOAD_P50_SLACK_MS = 1;

type Run = Awaited<ReturnType<typeof measure>>;
const rate = (r: Run) => r.result.requests.total / r.result.duration;
const median = (values: number[]) => percentile(values, 50);

async function main(): Promise<void> {
  const seconds = intArg('seconds', 10);
  const runs = intArg('runs', 1);
  const timings = flag('timings');
  const profile = flag('profile');
  const split = flag('split');
  const work = mkdtempSync(join(tmpdir(), 'passerelle-consent-'));
  onCleanup(() => rmSync(work, { recursive: true, force: true }));
  const stageTimings = resolve(__dirname, 'lib/stage-timings.js');
  const withTimings = (name: string) =>
    timings ? { preload: [stageTimings], env: { BENCH_TIMINGS_FILE: join(work, `${name}.json`) } } : {};

  const db = await createDatabase('consent');
  const on = withTimings('checked');
  const off = withTimings('unchecked');
  const profileDir = profile ? mkdtempSync(join(tmpdir(), 'passerelle-consent-profile-')) : undefined;
  const checked = await startHub({ databaseUrl: db.url, profileDir, ...on });
  note(`seeding ${READ_IDS} patients`);
  const patients = await explainFailures(checked, () => seed(checked, READ_IDS));
  await checkpoint();
  const paths = await unlabelledObservations(checked, patients);
  const reader = await registerBenchAgency(checked.url, checked.adminToken, READER);
  await referAll(checked, patients, READER);

  const unchecked = await startHub({
    databaseUrl: db.url,
    preload: [resolve(__dirname, 'lib/checks-off.js'), ...(off.preload ?? [])],
    ...(off.env && { env: off.env }),
  });
  // Another agency id: re-registering the checked hub's reader would rotate away its key.
  const uncheckedReader = await registerBenchAgency(unchecked.url, unchecked.adminToken, `${READER}-off`);

  // --split: the same reads with one of the two checks off (each reader its own agency).
  const parts = split
    ? await Promise.all(
        (['audit-off', 'consent-off'] as const).map(async (part) => {
          const hub = await startHub({
            databaseUrl: db.url,
            preload: [resolve(__dirname, `lib/${part}.js`)],
          });
          const agency = `${READER}-${part}`;
          const reader = await registerBenchAgency(hub.url, hub.adminToken, agency);
          await referAll(checked, patients, agency);
          return { part, hub, reader };
        }),
      )
    : [];
  const splitRuns: Record<string, Run[]> = {};

  const pairs: { on: Run; off: Run }[] = [];
  for (let i = 1; i <= runs; i++) {
    note(
      `run ${i}/${runs}: consent-checked, audited: ${seconds} s at ${CONNECTIONS} connections over ${paths.length} ids`,
    );
    const onRun = await measure(
      { url: checked.url, pid: checked.pid, databaseUrl: db.url, timingsFile: on.env?.BENCH_TIMINGS_FILE },
      paths,
      seconds,
      authHeader(await reader.token()),
    );
    if (profileDir) note(`run ${i}/${runs}: checked window (µs): ${onRun.windowUs}`);
    note(`run ${i}/${runs}: unchecked: ${seconds} s at ${CONNECTIONS} connections`);
    const offRun = await measure(
      {
        url: unchecked.url,
        pid: unchecked.pid,
        databaseUrl: db.url,
        timingsFile: off.env?.BENCH_TIMINGS_FILE,
      },
      paths,
      seconds,
      authHeader(await uncheckedReader.token()),
    );
    pairs.push({ on: onRun, off: offRun });
    for (const { part, hub, reader: partReader } of parts) {
      note(`run ${i}/${runs}: ${part}: ${seconds} s at ${CONNECTIONS} connections`);
      const partRun = await measure(
        { url: hub.url, pid: hub.pid, databaseUrl: db.url },
        paths,
        seconds,
        authHeader(await partReader.token()),
      );
      (splitRuns[part] ??= []).push(partRun);
    }
  }
  // What a deployment feels: both hubs offered the same load, half the unchecked maximum.
  const offered = Math.round(median(pairs.map((p) => rate(p.off))) / 2);
  const fixed: { on: Run; off: Run }[] = [];
  for (let i = 1; i <= runs; i++) {
    note(`run ${i}/${runs}: both at a fixed offered load of ${offered} requests/s (open loop)`);
    const onRun = await measure(
      { url: checked.url, pid: checked.pid, databaseUrl: db.url },
      paths,
      seconds,
      authHeader(await reader.token()),
      offered,
    );
    const offRun = await measure(
      { url: unchecked.url, pid: unchecked.pid, databaseUrl: db.url },
      paths,
      seconds,
      authHeader(await uncheckedReader.token()),
      offered,
    );
    fixed.push({ on: onRun, off: offRun });
  }
  for (const { hub } of parts) await hub.stop();
  await unchecked.stop();
  await checked.stop();
  if (profileDir) note(`checked hub's CPU profile written to ${profileDir}`);
  await db.drop();

  const p50Ratios = pairs.map(
    ({ on, off: o }) => percentile(on.latenciesMs, 50) / percentile(o.latenciesMs, 50),
  );
  const p50Ratio = median(p50Ratios);
  // The pair reported in full is the one with the median p50 ratio.
  const shown = pairs[p50Ratios.indexOf(p50Ratio)];
  const checkedRate = median(pairs.map((p) => rate(p.on)));
  report(resultName('consent', { timings, profile, split }), {
    machine: machine(),
    postgres: await describePostgres(),
    workload: {
      observationsReadInTurn: paths.length,
      reader: 'another agency (TREAT)',
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_SECONDS,
      seconds,
      runs,
    },
    checked: summary(shown.on),
    unchecked: {
      what: 'the same hub with bench/lib/checks-off preloaded: no consent check, no audit',
      ...summary(shown.off),
    },
    ...(runs > 1 && {
      runs: pairs.map(({ on, off: o }, i) => ({
        checkedRequestsPerSecond: Math.round(rate(on)),
        uncheckedRequestsPerSecond: Math.round(rate(o)),
        p50Ratio: round(p50Ratios[i], 3),
        throughputRatio: round(rate(on) / rate(o), 3),
        otherCores: [on.cpu.otherCores, o.cpu.otherCores],
        // Steadier than the rates on a shared machine: compare these first.
        checkedCpuMsPerRequest: summary(on).cpuMsPerRequest,
        uncheckedCpuMsPerRequest: summary(o).cpuMsPerRequest,
      })),
    }),
    ...(split && {
      split: Object.fromEntries(
        Object.entries(splitRuns).map(([part, partRuns]) => [
          part,
          {
            what:
              part === 'audit-off'
                ? 'consent checked, nothing audited (bench/lib/audit-off)'
                : 'audited, no consent check (bench/lib/consent-off)',
            requestsPerSecond: partRuns.map((r) => Math.round(rate(r))),
            throughputRatioToUnchecked: partRuns.map((r, i) => round(rate(r) / rate(pairs[i].off), 3)),
            cpuMsPerRequest: partRuns.map((r) => summary(r).cpuMsPerRequest),
          },
        ]),
      ),
    }),
    fixedLoad: fixedLoadReport(offered, fixed),
    p50Ratio: round(p50Ratio, 3),
    throughputRatio: round(median(pairs.map((p) => rate(p.on) / rate(p.off))), 3),
    auditedReadsPerSecond: Math.round(checkedRate),
    targets: { p50Ratio: TARGET_P50_RATIO, auditedReadsPerSecond: TARGET_REQUESTS_PER_SECOND },
    meetsTarget: {
      p50Ratio: p50Ratio <= TARGET_P50_RATIO,
      auditedReadsPerSecond: checkedRate >= TARGET_REQUESTS_PER_SECOND,
    },
  });
  const bad = [
    ...[...pairs, ...fixed].flatMap((p) => [p.on, p.off]),
    ...Object.values(splitRuns).flat(),
  ].reduce((n, r) => n + r.result.non2xx + r.result.errors, 0);
  if (bad > 0) throw new Error(`${bad} non-2xx answers or errors (see the report): the run is invalid`);
}

/**
 * Latency at a fixed offered load (the medians over the runs): the target is a checked p50 within
 * 1.2 × the unchecked p50 + 1 ms, and each hub answering what it is offered.
 */
function fixedLoadReport(offered: number, fixed: { on: Run; off: Run }[]) {
  const p50 = (r: Run) => percentile(r.latenciesMs, 50);
  const checkedP50 = median(fixed.map((f) => p50(f.on)));
  const uncheckedP50 = median(fixed.map((f) => p50(f.off)));
  const allowedP50 = FIXED_LOAD_P50_FACTOR * uncheckedP50 + FIXED_LOAD_P50_SLACK_MS;
  const side = (pick: (f: { on: Run; off: Run }) => Run) => ({
    answeredRequestsPerSecond: fixed.map((f) => Math.round(rate(pick(f)))),
    latencyMs: fixed.map((f) => ({
      p50: round(p50(pick(f)), 2),
      p99: round(percentile(pick(f).latenciesMs, 99), 2),
    })),
    cpuMsPerRequest: fixed.map((f) => summary(pick(f)).cpuMsPerRequest),
  });
  return {
    offeredRequestsPerSecond: offered,
    what: 'both hubs offered half the unchecked maximum (autocannon overallRate), alternated',
    checked: side((f) => f.on),
    unchecked: side((f) => f.off),
    p50Ms: {
      checked: round(checkedP50, 2),
      unchecked: round(uncheckedP50, 2),
      allowed: round(allowedP50, 2),
    },
    meetsTarget: checkedP50 <= allowedP50,
  };
}

/**
 * The writer refers each patient to the reader (an active ServiceRequest naming it as performer):
 * the reader's care relationship with them, without which every read would be a 404.
 */
async function referAll(hub: Hub, patients: string[], agency: string): Promise<void> {
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: patients.map((id) => ({
      resource: {
        resourceType: 'ServiceRequest',
        status: 'active',
        intent: 'order',
        subject: { reference: `Patient/${id}` },
        performer: [{ reference: `Organization/${agency}` }],
      },
      request: { method: 'POST', url: 'ServiceRequest' },
    })),
  };
  await postTransaction(hub.fhir, await hub.tokens.token(), prepare(bundle));
}

/** One unlabelled Observation of each patient, read by another agency: consent is decided, not skipped. */
async function unlabelledObservations(hub: Hub, patients: string[]): Promise<string[]> {
  const writer = authHeader(await hub.tokens.token());
  const paths: string[] = [];
  for (const id of patients) {
    const res = await fetch(`${hub.fhir}/Observation?patient=${id}&_count=10&_total=none`, {
      headers: writer,
    });
    const bundle = (await res.json()) as {
      entry?: { resource?: { id?: string; meta?: { security?: unknown[] } } }[];
    };
    // Sensitive data would (rightly) be 404 to another agency under the implied model.
    const obs = bundle.entry?.find((e) => !e.resource?.meta?.security)?.resource?.id;
    if (obs) paths.push(`/fhir/Observation/${obs}`);
  }
  return paths;
}

runBench(main);
