import autocannon from 'autocannon';
import { generatePatients, toTransactionBundle } from '../../test/synthetic';
import { runConcurrently } from './concurrency';
import { cpuBetween, snapshot, waitForQuiet } from './cpu';
import type { Hub } from './hub';
import { postTransaction, prepare } from './hub-client';
import { sampleActivity } from './pg-activity';
import { machine, maximum, percentile, round } from './report';

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
  target: { url: string; pid: number; databaseUrl?: string },
  paths: string[],
  seconds: number,
  auth: Record<string, string>,
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
  const before = snapshot();
  const fromUs = process.hrtime.bigint() / 1000n;
  const latenciesMs: number[] = [];
  const result = await run(seconds, latenciesMs);
  // Same monotonic clock as a --cpu-prof profile: profile-summary keeps only this window.
  const windowUs = `${fromUs} ${process.hrtime.bigint() / 1000n}`;
  const cpu = cpuBetween(before, snapshot(), target.pid, machine().cores);
  const backends = await activity?.stop();
  return { result, latenciesMs, cpu, busyBefore, backends, windowUs };
}

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export function summary({
  result,
  latenciesMs,
  cpu,
  busyBefore,
  backends,
}: Awaited<ReturnType<typeof measure>>) {
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
    cpuCores: cpu,
    ...(backends && { postgresBackends: backends }),
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
