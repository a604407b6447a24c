import autocannon from 'autocannon';
import { generatePatients, toTransactionBundle } from '@passerelle/synthetic';
import { runConcurrently } from './concurrency';
import { coresOf, cpuBetween, snapshot, waitForQuiet } from './cpu';
import type { Hub } from './hub';
import { postTransaction, prepare } from './hub-client';
import { sampleActivity } from './pg-activity';
import { machine, maximum, percentile, round } from './report';
import { diffTimings, readTimings } from './stage-report';

/** Read load shared by bench/read and bench/auth. */
export const CONNECTIONS = 32;
export const READ_IDS = 100;
export const WARMUP_SECONDS = 3;
const SEED = 20_251_130;

/**
 * Loads `url` with autocannon, 32 connections over `paths` in turn: a short warm-up, not
 * reported, then the measured run, with the CPU of every process and, for the hub, what its
 * database backends were doing.
 */
export async function measure(
  target: { url: string; pid: number; databaseUrl?: string; timingsFile?: string },
  paths: string[],
  seconds: number,
  auth: Record<string, string>,
  /** Open loop: this many requests a second offered in all (autocannon's `overallRate`), not as many as answered. */
  overallRate?: number,
) {
  let next = 0;
  // autocannon's own histogram keeps whole milliseconds; its per-response times are finer.
  const run = (duration: number, latenciesMs: number[] = []) =>
    new Promise<autocannon.Result>((done, fail) => {
      const instance = autocannon(
        {
          url: target.url,
          connections: CONNECTIONS,
          duration,
          ...(overallRate !== undefined && { overallRate }),
          headers: auth,
          requests: [
            { method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) },
          ],
        },
        (error: unknown, result) => (error ? fail(toError(error)) : done(result)),
      );
      instance.on('response', (_client, _status, _bytes, ms) => latenciesMs.push(ms));
    });
  const busyBefore = await waitForQuiet();
  await run(WARMUP_SECONDS);
  const activity = target.databaseUrl ? await sampleActivity(target.databaseUrl) : undefined;
  const timingsBefore = target.timingsFile ? await readTimings(target.timingsFile) : undefined;
  const before = snapshot();
  const fromUs = process.hrtime.bigint() / 1000n;
  const latenciesMs: number[] = [];
  const result = await run(seconds, latenciesMs);
  // Same monotonic clock as a --cpu-prof profile: profile-summary keeps only this window.
  const windowUs = `${fromUs} ${process.hrtime.bigint() / 1000n}`;
  const after = snapshot();
  const cpu = cpuBetween(before, after, target.pid, machine().cores);
  const ownBackendCores = activity ? coresOf(before, after, activity.pids()) : undefined;
  const backends = await activity?.stop();
  // The hub writes its totals every 200 ms: wait for a snapshot taken after the run.
  const ended = Date.now();
  let timingsAfter = timingsBefore && (await readTimings(target.timingsFile ?? ''));
  while (timingsAfter && timingsAfter.atMs < ended) {
    await new Promise((r) => setTimeout(r, 50));
    timingsAfter = await readTimings(target.timingsFile ?? '');
  }
  const hubStages = timingsBefore && timingsAfter ? diffTimings(timingsBefore, timingsAfter) : undefined;
  return { result, latenciesMs, cpu, ownBackendCores, busyBefore, backends, windowUs, hubStages };
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function summary({
  result,
  latenciesMs,
  cpu,
  ownBackendCores,
  busyBefore,
  backends,
  hubStages,
}: Awaited<ReturnType<typeof measure>>) {
  const perRequest = (cores: number) =>
    round((cores * 1000 * result.duration) / Math.max(1, result.requests.total), 3);
  return {
    requestsPerSecond: Math.round(result.requests.total / result.duration),
    requests: result.requests.total,
    durationSeconds: round(result.duration, 2),
    latencyMs: {
      p50: round(percentile(latenciesMs, 50), 2),
      p99: round(percentile(latenciesMs, 99), 2),
      max: round(maximum(latenciesMs), 1),
    },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    machineBusyCoresBeforeStart: busyBefore,
    // postgresCores counts every PostgreSQL process (other databases' too, on a shared server);
    // ownBackendCores only the benchmarked database's client backends.
    cpuCores: { ...cpu, ...(ownBackendCores !== undefined && { ownBackendCores }) },
    // CPU time per request: steadier than rates when other jobs share the machine.
    cpuMsPerRequest: {
      server: perRequest(cpu.serverCores),
      ...(ownBackendCores !== undefined && { ownBackends: perRequest(ownBackendCores) }),
    },
    ...(backends && { postgresBackends: backends }),
    ...(hubStages && { hubStages }),
  };
}

/** Seeds the hub with `count` patients (create transactions) and returns the Patient ids. */
export async function seed(hub: Hub, count: number): Promise<string[]> {
  const bundles = generatePatients(count, SEED).map((p) => toTransactionBundle(p, 'create'));
  const ids: string[] = [];
  await runConcurrently(bundles, 8, async (bundle) => {
    const { answer } = await postTransaction(hub.fhir, await hub.tokens.token(), prepare(bundle));
    const index = bundle.entry?.findIndex((e) => e.resource?.resourceType === 'Patient') ?? -1;
    const location = answer.entry?.[index]?.response?.location;
    const id = location?.match(/^Patient\/([^/]+)\//)?.[1];
    if (!id) throw new Error(`no Patient location in the answer (entry ${index})`);
    ids.push(id);
  });
  return ids;
}
