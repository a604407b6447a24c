import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { BullMqDriver } from './bullmq.driver';
import { createQueueDriver } from './create-queue-driver';
import { InvalidJobError, PermanentJobError } from './errors';
import { InProcessDriver } from './in-process.driver';
import type { QueueDriver, QueueDriverOptions, QueueJob } from './queue.types';

/**
 * One contract, two drivers: every test runs against BullMQ on the real Redis at 127.0.0.1:6379
 * and against the in-process driver, each BullMQ run under its own key prefix (deleted after).
 */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const FAST = { defaults: { attempts: 3, backoffMs: 5 } };

type Make = (options?: Partial<QueueDriverOptions>) => QueueDriver;

/** Waits until `check` holds (polling); the test's own timeout bounds the wait, no timing asserted. */
async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

/** A promise a test resolves when it chooses. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe.each(['bullmq', 'in-process'] as const)('queue driver contract: %s', (kind) => {
  let redis: Redis;
  let prefix: string;
  let drivers: QueueDriver[];
  const make: Make = (options = {}) => {
    const driver =
      kind === 'bullmq'
        ? new BullMqDriver({ redisUrl: REDIS_URL, prefix, ...FAST, ...options })
        : new InProcessDriver({ prefix, ...FAST, ...options });
    drivers.push(driver);
    return driver;
  };

  beforeAll(() => {
    Logger.overrideLogger(false); // dead-letter warnings are expected here
    redis = new Redis(REDIS_URL, { lazyConnect: true });
  });
  afterAll(async () => {
    await redis.quit();
  });
  beforeEach(() => {
    prefix = `test:queue:${randomUUID()}:`;
    drivers = [];
  });
  afterEach(async () => {
    await Promise.all(drivers.map((d) => d.close()));
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  });

  it('runs a job with its typed payload and a deterministic id', async () => {
    const driver = make();
    const seen: QueueJob<'route'>[] = [];
    await driver.process('route', (job) => {
      seen.push(job);
      return Promise.resolve();
    });
    expect(await driver.add('route', { from: '42', through: '42' })).toBe('route-42_42');
    await until(async () => (await driver.counts('route')).completed === 1);
    expect(seen).toEqual([
      { id: 'route-42_42', name: 'route', data: { from: '42', through: '42' }, attemptsMade: 0 },
    ]);
    expect(await driver.counts('route')).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
      completed: 1,
    });
  });

  it('adds a job whose id exists as a no-op: waiting, and completed while kept', async () => {
    const driver = make();
    await driver.add('letter', { letterId: 'l-1' });
    await driver.add('letter', { letterId: 'l-1' });
    await driver.add('letter', { letterId: 'l-2' }, { jobId: 'letter-l-1' });
    expect((await driver.counts('letter')).waiting).toBe(1);
    const ran: string[] = [];
    await driver.process('letter', (job) => {
      ran.push(job.data.letterId);
      return Promise.resolve();
    });
    await until(async () => (await driver.counts('letter')).completed === 1);
    await driver.add('letter', { letterId: 'l-1' });
    await driver.add('letter', { letterId: 'l-3' });
    await until(async () => (await driver.counts('letter')).completed === 2);
    expect(ran).toEqual(['l-1', 'l-3']);
  });

  it('runs an id again once its completed job is no longer kept', async () => {
    const driver = make({ keepCompleted: { count: 0 } });
    let runs = 0;
    await driver.process('print-run', () => {
      runs++;
      return Promise.resolve();
    });
    await driver.add('print-run', { runId: 'r1' });
    await until(() => runs === 1);
    await until(async () => (await driver.counts('print-run')).active === 0);
    await driver.add('print-run', { runId: 'r1' });
    await until(() => runs === 2);
  });

  it('retries with backoff and passes attemptsMade', async () => {
    const driver = make();
    const attempts: number[] = [];
    await driver.process('route', (job) => {
      attempts.push(job.attemptsMade);
      return job.attemptsMade < 2 ? Promise.reject(new Error('agency down')) : Promise.resolve();
    });
    await driver.add('route', { from: 'o1', through: 'o1' });
    await until(async () => (await driver.counts('route')).completed === 1);
    expect(attempts).toEqual([0, 1, 2]);
    expect(await driver.deadLetters('route')).toEqual([]);
  });

  it('keeps a job that used up its attempts as a dead letter; re-adding it is a no-op', async () => {
    const driver = make();
    let runs = 0;
    await driver.process('route', () => {
      runs++;
      return Promise.reject(new Error('hub answered 503'));
    });
    const before = Date.now();
    await driver.add('route', { from: 'o2', through: 'o2' }, { attempts: 2 });
    await until(async () => (await driver.counts('route')).failed === 1);
    const [dead, ...others] = await driver.deadLetters('route');
    expect(others).toEqual([]);
    expect(dead).toMatchObject({
      id: 'route-o2_o2',
      queue: 'route',
      data: { from: 'o2', through: 'o2' },
      failedReason: 'hub answered 503',
      attemptsMade: 2,
    });
    expect(dead?.finishedOn).toBeGreaterThanOrEqual(before);
    await driver.add('route', { from: 'o2', through: 'o2' });
    expect(await driver.counts('route')).toMatchObject({ waiting: 0, failed: 1 });
    expect(runs).toBe(2);
  });

  it('does not retry a PermanentJobError', async () => {
    const driver = make();
    let runs = 0;
    await driver.process('letter', () => {
      runs++;
      return Promise.reject(new PermanentJobError('letter 9 no longer exists'));
    });
    await driver.add('letter', { letterId: '9a' }, { attempts: 5 });
    await until(async () => (await driver.counts('letter')).failed === 1);
    expect(runs).toBe(1);
    expect(await driver.deadLetters('letter')).toMatchObject([
      { id: 'letter-9a', failedReason: 'letter 9 no longer exists', attemptsMade: 1 },
    ]);
  });

  it('replays a dead letter with its attempts reset, and says when there is none', async () => {
    const driver = make();
    let broken = true;
    const attempts: number[] = [];
    await driver.process('route', (job) => {
      attempts.push(job.attemptsMade);
      return broken ? Promise.reject(new PermanentJobError('refused')) : Promise.resolve();
    });
    await driver.add('route', { from: 'o3', through: 'o3' });
    await until(async () => (await driver.counts('route')).failed === 1);
    broken = false;
    expect(await driver.replay('route', 'route-o3_o3')).toBe('replayed');
    await until(async () => (await driver.counts('route')).completed === 1);
    expect(attempts).toEqual([0, 0]);
    expect(await driver.deadLetters('route')).toEqual([]);
    expect(await driver.replay('route', 'route-o3_o3')).toBe('not-failed');
    expect(await driver.replay('route', 'route-nope')).toBe('not-found');
    expect(await driver.replay('letter', 'route-o3_o3')).toBe('not-found');
  });

  it('lists dead letters newest first, a page at a time', async () => {
    const driver = make();
    await driver.process('route', () => Promise.reject(new PermanentJobError('no')));
    // Failed in the order c, a, b (not alphabetical), each in a later millisecond than the last.
    for (const id of ['c', 'a', 'b']) {
      await driver.add('route', { from: id, through: id });
      await until(async () => (await driver.deadLetters('route')).some((d) => d.id === `route-${id}_${id}`));
      const [newest] = await driver.deadLetters('route', { limit: 1 });
      await until(() => Date.now() > (newest?.finishedOn ?? 0));
    }
    expect((await driver.deadLetters('route')).map((d) => d.id)).toEqual([
      'route-b_b',
      'route-a_a',
      'route-c_c',
    ]);
    expect((await driver.deadLetters('route', { offset: 1, limit: 1 })).map((d) => d.id)).toEqual([
      'route-a_a',
    ]);
  });

  it('runs no more jobs at once than the concurrency', async () => {
    const driver = make();
    const release = gate();
    let running = 0;
    let most = 0;
    await driver.process(
      'letter',
      async () => {
        running++;
        most = Math.max(most, running);
        await release.wait;
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 6; i++) await driver.add('letter', { letterId: `c${i}` });
    await until(() => running >= 3);
    expect(await driver.counts('letter')).toMatchObject({ active: 3, waiting: 3 });
    release.open();
    await until(async () => (await driver.counts('letter')).completed === 6);
    expect(most).toBe(3);
  });

  it('closes gracefully: the running job finishes, no new one starts, adds are refused', async () => {
    const driver = make();
    const release = gate();
    const events: string[] = [];
    await driver.process('route', async (job) => {
      events.push(`start ${job.id}`);
      await release.wait;
      events.push(`end ${job.id}`);
    });
    await driver.add('route', { from: 'first', through: 'first' });
    await until(() => events.length === 1);
    await driver.add('route', { from: 'second', through: 'second' });
    const closed = driver.close().then(() => events.push('closed'));
    await expect(driver.add('route', { from: 'third', through: 'third' })).rejects.toThrow(/closed/);
    release.open();
    await closed;
    expect(events).toEqual(['start route-first_first', 'end route-first_first', 'closed']);
    await driver.close();
  });

  it('refuses payloads that are not ids only, and job ids BullMQ cannot store', async () => {
    const driver = make();
    const untyped = driver as unknown as { add(q: string, d: unknown, o?: object): Promise<string> };
    await expect(untyped.add('route', { from: 'o1', through: 'o1', name: 'Jane Doe' })).rejects.toThrow(
      InvalidJobError,
    );
    await expect(untyped.add('route', { from: 'Jane Doe', through: 'o1' })).rejects.toThrow(InvalidJobError);
    await expect(untyped.add('route', { letterId: 'l1' })).rejects.toThrow(InvalidJobError);
    await expect(driver.add('route', { from: 'o1', through: 'o1' }, { jobId: 'route:o1' })).rejects.toThrow(
      InvalidJobError,
    );
    await expect(driver.add('route', { from: 'o1', through: 'o1' }, { jobId: '17' })).rejects.toThrow(
      InvalidJobError,
    );
    expect((await driver.counts('route')).waiting).toBe(0);
  });

  it('takes one processor per queue', async () => {
    const driver = make();
    await driver.process('route', () => Promise.resolve());
    await expect(driver.process('route', () => Promise.resolve())).rejects.toThrow(/already/);
  });
});

describe('createQueueDriver', () => {
  it('is BullMQ with a Redis URL, in-process without', async () => {
    const prefix = `test:queue:${randomUUID()}:`;
    const bull = createQueueDriver({ redisUrl: REDIS_URL, prefix });
    const local = createQueueDriver({ prefix });
    expect(bull.kind).toBe('bullmq');
    expect(local.kind).toBe('in-process');
    await Promise.all([bull.close(), local.close()]);
  });
});
