import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Queue, Worker } from 'bullmq';
import Redis from 'ioredis';
import { BullMqDriver } from './bullmq.driver';

/** BullMQ-only behaviour the contract suite cannot share with the in-process driver. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

describe('BullMqDriver on Redis', () => {
  const prefix = `test:bullmq:${randomUUID()}:`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true });

  beforeAll(() => Logger.overrideLogger(false));
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('keeps its keys under <prefix>bull:<queue>:', async () => {
    const driver = new BullMqDriver({ redisUrl: REDIS_URL, prefix });
    try {
      await driver.add('print-run', { runId: 'r-keys' });
      expect(await redis.exists(`${prefix}bull:print-run:print-run-r-keys`)).toBe(1);
    } finally {
      await driver.close();
    }
  });

  it('gives the job of a worker that died mid-job to another worker, attempts untouched', async () => {
    const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
    const producer = new Queue('route', { connection, prefix: `${prefix}bull` });
    // A worker that takes the job and then "dies": force-closed, its lock no longer renewed.
    let taken!: () => void;
    const tookIt = new Promise<void>((resolve) => (taken = resolve));
    const doomed = new Worker(
      'route',
      () => {
        taken();
        return new Promise<void>(() => {});
      },
      { connection, prefix: `${prefix}bull`, lockDuration: 300, stalledInterval: 100 },
    );
    const survivor = new BullMqDriver({
      redisUrl: REDIS_URL,
      prefix,
      stalled: { lockDurationMs: 300, stalledIntervalMs: 100 },
    });
    try {
      await producer.add(
        'route',
        { from: 'stall', through: 'stall' },
        { jobId: 'route-stall_stall', attempts: 3 },
      );
      await tookIt;
      await doomed.close(true);
      const seen: number[] = [];
      await survivor.process('route', (job) => {
        seen.push(job.attemptsMade);
        return Promise.resolve();
      });
      await until(async () => (await survivor.counts('route')).completed === 1);
      expect(seen).toEqual([0]);
    } finally {
      await survivor.close();
      await producer.close();
    }
  });
});
