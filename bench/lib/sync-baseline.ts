import { BullMqDriver } from '@passerelle/sync';
import { Redis } from 'ioredis';
import { onCleanup } from './cleanup';
import { note, round } from './report';
import type { RedisTarget } from './sync-stack';
import { coresBetween, cpuSample } from './sync-cpu';

/**
 * Baseline: what BullMQ alone does on this Redis, with the worker's own driver and pattern: jobs
 * added one at a time (as the outbox poller adds `route` jobs), taken by a processor of the same
 * concurrency that does nothing. Every resource the exchange carries needs at least one such job,
 * so this is the ceiling the queue puts on the pipeline.
 */
export async function bullmqNoopBaseline(redis: RedisTarget, jobs: number, concurrency: number) {
  const driver = new BullMqDriver({ redisUrl: redis.url, prefix: redis.prefix });
  onCleanup(() => driver.close());
  let done = 0;
  let finished: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  await driver.process(
    'route',
    () => {
      if (++done === jobs) finished();
      return Promise.resolve();
    },
    { concurrency },
  );
  // Warm-up: connections, Lua scripts loaded, JIT.
  const warmup = Math.min(200, jobs);
  for (let i = 0; i < warmup; i++) await driver.add('route', { from: `w${i}`, through: `w${i}` });
  while (done < warmup) await new Promise((r) => setTimeout(r, 10));
  done = 0;
  const before = cpuSample();
  const start = performance.now();
  for (let i = 0; i < jobs; i++) await driver.add('route', { from: String(i), through: String(i) });
  const addedMs = performance.now() - start;
  await allDone;
  const elapsedMs = performance.now() - start;
  const cpu = coresBetween(before, cpuSample(), {});
  await driver.close();
  await deleteKeys(redis);
  note(`baseline: ${jobs} no-op jobs in ${Math.round(elapsedMs)} ms`);
  return {
    what: `BullMQ through the worker's driver (libs/sync BullMqDriver), queue "route": ${jobs} jobs added one at a time, a no-op processor of concurrency ${concurrency}, same Redis, its own key prefix`,
    jobs,
    concurrency,
    jobsPerSecond: Math.round(jobs / (elapsedMs / 1000)),
    addsPerSecond: Math.round(jobs / (addedMs / 1000)),
    elapsedMs: round(elapsedMs),
    cpuCores: cpu,
  };
}

/** Deletes every key under the run's own prefix, leaving the shared Redis as it was. */
export async function deleteKeys(redis: RedisTarget): Promise<number> {
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${redis.prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
    return deleted;
  } finally {
    client.disconnect();
  }
}
