/**
 * Footprint benchmark: the demo (`npm start`: hub on PGlite, sandbox, three connectors, each its
 * own process) started as `npm start` starts it, every process's resident memory sampled each
 * second through the initial sync, the idle after it, then N minutes of steady changes in the
 * sandbox's agencies and reads at the hub; the hub's own breakdown (V8 heap, external memory,
 * PGlite's WebAssembly memory) from its /metrics; the data directories' sizes (bench/README.md).
 * `--soak M`: after a warm-up, M minutes of the same load; every process must end within 10% of
 * its RSS after the warm-up.
 * Run: npm run bench:footprint [-- --minutes N --soak M --warmup-minutes N --patients N
 *      --changes-per-minute N --reads-per-second N --env NAME=VALUE ...]
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HubTokenProvider, readClientKey } from '../apps/connector/src';
import { onCleanup, runBench } from './lib/cleanup';
import { type DemoProcess, demoChildren, dirBytes, MB, peakRssBytes } from './lib/footprint-processes';
import { type ConnectorMemory, connectorAddresses, connectorMemory } from './lib/footprint-connectors';
import { type LoadCounts, steadyChanges, steadyReads } from './lib/footprint-load';
import { hubMemory, type HubMemory, Sampler } from './lib/footprint-sampler';
import { waitForSync } from './lib/footprint-sync';
import { freePort, ROOT, spawnNode } from './lib/processes';
import { intArg, machine, note, report, resultName, round } from './lib/report';

const TARGET_CONNECTOR_MB = 120;
const TARGET_HUB_MB = 500;
const TARGET_DEMO_MB = 1200;
const SOAK_TOLERANCE = 0.1;
/** What the processes may inherit; the rest of this shell's environment is dropped (runs compare). */
const KEEP_ENV = ['PATH', 'HOME', 'LANG', 'TMPDIR', 'TZ'];

/** `--env NAME=VALUE`, repeatable: settings for the demo's processes (e.g. PGLITE_SHARED_BUFFERS). */
function envOverrides(): Record<string, string> {
  const out: Record<string, string> = {};
  process.argv.forEach((arg, i) => {
    if (arg !== '--env') return;
    const [name, ...value] = (process.argv[i + 1] ?? '').split('=');
    if (!name || value.length === 0) throw new Error('--env expects NAME=VALUE');
    out[name] = value.join('=');
  });
  return out;
}

interface SandboxHealth {
  agencies: { id: string; kind: string; baseUrl: string }[];
}

async function main(): Promise<void> {
  const soakMinutes = process.argv.includes('--soak') ? intArg('soak', 30) : undefined;
  const warmupMinutes = intArg('warmup-minutes', 2);
  const minutes = soakMinutes === undefined ? intArg('minutes', 10) : warmupMinutes + soakMinutes;
  const patients = intArg('patients', 20);
  const changesPerMinute = intArg('changes-per-minute', 30);
  const readsPerSecond = intArg('reads-per-second', 2);
  const overrides = envOverrides();

  const dataDir = mkdtempSync(join(tmpdir(), 'passerelle-footprint-'));
  // Registered first, so it runs last: after the demo has stopped.
  onCleanup(() => rmSync(dataDir, { recursive: true, force: true }));
  const hubPort = await freePort();
  const sandboxPort = await freePort();
  const adminToken = randomBytes(32).toString('base64url');
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const drop = Object.keys(process.env).filter((k) => !KEEP_ENV.includes(k));
  const started = Date.now();
  note(`starting the demo in ${dataDir} (${patients} patients)`);
  const demo = spawnNode(
    [join(ROOT, 'dist/apps/hub/src/cli/main.js'), 'demo'],
    {
      DATA_DIR: dataDir,
      PORT: String(hubPort),
      SANDBOX_PORT: String(sandboxPort),
      SANDBOX_AGENCY_PORT: '0',
      SANDBOX_PATIENTS: String(patients),
      ADMIN_TOKEN: adminToken,
      ...overrides,
    },
    drop,
  );
  const connectorUrls = demo.child.stdout ? connectorAddresses(demo.child.stdout) : new Map<string, string>();
  let processes: DemoProcess[] = [];
  const all = () => [{ name: 'launcher', pid: demo.pid }, ...processes];
  const sampler = new Sampler(all, started);
  sampler.phase = 'initialSync';
  sampler.start(1000);
  for (;;) {
    processes = demoChildren(demo.pid);
    if (processes.length >= 5) break;
    if (demo.child.exitCode !== null || Date.now() - started > 180_000)
      throw new Error(`the demo did not start its five processes:\n${demo.output()}`);
    await sleep(200);
  }
  note(`processes: ${processes.map((p) => `${p.name}=${p.pid}`).join(' ')}`);
  const sandbox = (await (await fetch(`http://127.0.0.1:${sandboxPort}/health`)).json()) as SandboxHealth;

  const syncSeconds = await waitForSync(hubUrl, adminToken, 600_000);
  note(`initial sync done in ${syncSeconds} s`);
  sampler.phase = 'afterSync';
  await sleep(20_000);
  const afterSyncHub = await hubMemory(hubUrl, adminToken);

  const gp = sandbox.agencies.find((a) => a.kind === 'gp');
  if (!gp) throw new Error('the sandbox has no GP practice');
  const key = readClientKey(join(dataDir, 'keys', `${gp.id}.private-key.pem`));
  if (typeof key === 'string') throw new Error(key);
  const tokens = new HubTokenProvider({
    url: hubUrl,
    clientId: gp.id,
    key,
    scope: 'system/*.cruds',
    purposeOfUse: 'TREAT',
  });
  const counts: LoadCounts = { changes: 0, changeErrors: 0, reads: 0, readErrors: 0 };
  const steadyStart = sampler.sample().t;
  const end = Date.now() + minutes * 60_000;
  const done = () => Date.now() >= end;
  sampler.phase = 'steady';
  note(`steady load for ${minutes} min: ${changesPerMinute} changes/min, ${readsPerSecond} reads/s`);
  const hubTimeline: { t: number; memory: HubMemory }[] = [];
  // Each connector's V8 heap beside its RSS: a heap that holds more after each full collection is
  // a leak; an RSS that grows over a flat one is V8 or the allocator sizing their pools.
  const connectorTimeline: Record<string, ConnectorMemory[]> = {};
  const watchHub = (async () => {
    for (let i = 0; !done(); i++) {
      const t = round((Date.now() - started) / 1000);
      if (i % 2 === 0) {
        const memory = await hubMemory(hubUrl, adminToken);
        if (memory) hubTimeline.push({ t, memory });
      }
      for (const [name, m] of Object.entries(await connectorMemory(connectorUrls, t)))
        (connectorTimeline[name] ??= []).push(m);
      await sleep(15_000);
    }
  })();
  await Promise.all([
    steadyChanges(
      sandbox.agencies.map((a) => a.baseUrl),
      changesPerMinute,
      done,
      counts,
    ),
    steadyReads(`${hubUrl}/fhir`, () => tokens.token(), readsPerSecond, done, counts),
    watchHub,
  ]);
  const steadyEndHub = await hubMemory(hubUrl, adminToken);
  sampler.sample();
  sampler.stop();
  const peaks = Object.fromEntries(all().map((p) => [p.name, round((peakRssBytes(p.pid) ?? NaN) / MB)]));
  note(`load: ${JSON.stringify(counts)}`);
  if (counts.changes === 0 || counts.reads === 0)
    throw new Error(`no load went through: ${JSON.stringify(counts)}`);

  await demo.stop();
  const dataDirMB = {
    hub: round(dirBytes(join(dataDir, 'hub')) / MB),
    connectors: Object.fromEntries(
      sandbox.agencies.map((a) => [a.id, round(dirBytes(join(dataDir, 'connectors', a.id)) / MB, 3)]),
    ),
  };

  const initialSync = sampler.summary('initialSync');
  const afterSync = sampler.summary('afterSync');
  const steady = sampler.summary('steady');
  const connectorPeak = Object.entries(peaks)
    .filter(([name]) => name.startsWith('connector:'))
    .reduce((a, [, v]) => Math.max(a, v), 0);
  const totalMax = Math.max(initialSync.totalMaxMB, afterSync.totalMaxMB, steady.totalMaxMB);
  const soak =
    soakMinutes === undefined
      ? undefined
      : soakVerdict(sampler, connectorTimeline, steadyStart + warmupMinutes * 60, warmupMinutes, soakMinutes);
  // A run with --env settings is a diagnostic: it never overwrites the reference results.
  report(
    resultName(soakMinutes === undefined ? 'footprint' : 'footprint-soak', {
      env: Object.keys(overrides).length > 0,
    }),
    {
      machine: machine(),
      workload: {
        what: 'the demo as npm start runs it: hub (embedded PGlite, routing in process), sandbox, three connectors; launcher = the demo command itself',
        patients,
        pollIntervalMs: 2000,
        steadyMinutes: minutes,
        changesPerMinute,
        readsPerSecond,
        environment: overrides,
      },
      initialSyncSeconds: syncSeconds,
      phases: { initialSync, afterSync, steady },
      peakRssMB: peaks,
      hubMemory: { afterSync: afterSyncHub, steadyEnd: steadyEndHub, timeline: hubTimeline },
      connectorMemory: connectorTimeline,
      dataDirMB,
      load: counts,
      ...(soak ? { soak } : {}),
      targets: { connectorMB: TARGET_CONNECTOR_MB, hubMB: TARGET_HUB_MB, demoMB: TARGET_DEMO_MB },
      meetsTarget: {
        connectors: connectorPeak <= TARGET_CONNECTOR_MB,
        hub: (peaks.hub ?? Infinity) <= TARGET_HUB_MB,
        demo: totalMax <= TARGET_DEMO_MB,
        ...(soak ? { soak: soak.allWithin10Percent } : {}),
      },
      timeline: sampler.timeline(soakMinutes === undefined ? 10 : 30),
    },
  );
}

/**
 * After the warm-up vs the end: the median of the minute after the warm-up against the median
 * of the last minute (medians, so that one garbage collection does not decide). With it, each
 * process's median RSS per 5 minutes of the steady phase (whether and when the curve flattens)
 * and each connector's heap after a full collection at both ends (whether what it holds grows).
 */
function soakVerdict(
  sampler: Sampler,
  connectors: Record<string, ConnectorMemory[]>,
  warmT: number,
  warmupMinutes: number,
  soakMinutes: number,
) {
  const afterWarmup = sampler.summary('steady', { fromT: warmT, toT: warmT + 60 });
  const last = sampler.samples[sampler.samples.length - 1]?.t ?? 0;
  const atEnd = sampler.summary('steady', { fromT: last - 60 });
  const perProcess: Record<
    string,
    { afterWarmupMB: number; endMB: number; ratio: number; within10Percent: boolean }
  > = {};
  for (const [name, w] of Object.entries(afterWarmup.perProcess)) {
    const e = atEnd.perProcess[name];
    if (!e) continue;
    const ratio = round(e.medianMB / w.medianMB, 3);
    perProcess[name] = {
      afterWarmupMB: w.medianMB,
      endMB: e.medianMB,
      ratio,
      within10Percent: ratio <= 1 + SOAK_TOLERANCE,
    };
  }
  const steady = sampler.samples.filter((s) => s.phase === 'steady');
  const from = steady[0]?.t ?? 0;
  const curve: Record<string, number[]> = {};
  for (let at = from; at < last; at += 300) {
    const block = sampler.summary('steady', { fromT: at, toT: at + 300 });
    for (const [name, p] of Object.entries(block.perProcess)) (curve[name] ??= []).push(p.medianMB);
  }
  const heapAfterFullGcMB = Object.fromEntries(
    Object.entries(connectors).map(([name, series]) => {
      const atWarm = series.find((m) => m.t >= warmT);
      const atEnd = series[series.length - 1];
      return [
        name,
        {
          afterWarmup: atWarm?.heapAfterFullGc ?? null,
          end: atEnd?.heapAfterFullGc ?? null,
          fullGcsDuringSoak: atWarm && atEnd ? atEnd.fullGcs - atWarm.fullGcs : null,
        },
      ];
    }),
  );
  return {
    warmupMinutes,
    minutes: soakMinutes,
    perProcess,
    allWithin10Percent: Object.values(perProcess).every((p) => p.within10Percent),
    medianRssMBPer5MinutesOfSteadyLoad: curve,
    heapAfterFullGcMB,
  };
}

runBench(main);
