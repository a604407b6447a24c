import { InvalidJobError } from './errors';
import { InProcessDriver } from './in-process.driver';
import { backoffDelay, checkJobId, jobIdFor, resolveJob } from './job-ids';
import { isQueueName, QUEUE_NAMES } from './queue.types';

describe('job ids and payloads', () => {
  it('derives one id per payload, with no ":" for BullMQ', () => {
    expect(jobIdFor('route', { from: '1234', through: '1234' })).toBe('route-1234_1234');
    expect(jobIdFor('letter', { letterId: '0f7c2a9e-1b9c-4c55-9a43-5f5c1d2e8b11' })).toBe(
      'letter-0f7c2a9e-1b9c-4c55-9a43-5f5c1d2e8b11',
    );
    expect(jobIdFor('print-run', { runId: '2026-12-01.1' })).toBe('print-run-2026-12-01.1');
  });

  it('refuses ids BullMQ would refuse', () => {
    expect(() => checkJobId('route:1')).toThrow(InvalidJobError);
    expect(() => checkJobId('42')).toThrow(InvalidJobError);
    expect(() => checkJobId('')).toThrow(InvalidJobError);
    expect(checkJobId('42a')).toBe('42a');
  });

  it('applies defaults and refuses nonsense attempts', () => {
    const defaults = { attempts: 5, backoffMs: 2000 };
    expect(resolveJob('route', { from: '7', through: '7' }, {}, defaults)).toEqual({
      jobId: 'route-7_7',
      data: { from: '7', through: '7' },
      attempts: 5,
      backoffMs: 2000,
    });
    expect(() => resolveJob('route', { from: '7', through: '7' }, { attempts: 0 }, defaults)).toThrow(
      InvalidJobError,
    );
    expect(() => resolveJob('route', { from: '7', through: '7' }, { backoffMs: -1 }, defaults)).toThrow(
      InvalidJobError,
    );
  });

  it('backs off exponentially as BullMQ does', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(1000, n))).toEqual([1000, 2000, 4000, 8000]);
  });

  it('knows its queues', () => {
    expect(QUEUE_NAMES).toEqual(['route', 'letter', 'print-run']);
    expect(isQueueName('letter')).toBe(true);
    expect(isQueueName('constructor')).toBe(false);
  });

  it('types each queue with its own payload (checked by tsc, which fails on an unused directive)', async () => {
    const driver = new InProcessDriver({ prefix: 'types:' });
    await driver.close();
    const typed = async () => {
      await driver.add('route', { from: '1', through: '1' });
      // @ts-expect-error a letter payload on the route queue does not compile
      await driver.add('route', { letterId: '1' });
      // @ts-expect-error nor does any field beyond the ids
      await driver.add('letter', { letterId: '1', patientName: 'x' });
      // @ts-expect-error nor an unknown queue
      await driver.add('audit', { id: '1' });
      await driver.process('print-run', (job) => {
        const runId: string = job.data.runId;
        // @ts-expect-error a print-run job has no outbox range
        const outboxId: string = job.data.from;
        return runId === outboxId ? Promise.resolve() : Promise.reject(new Error('never run'));
      });
    };
    await expect(typed()).rejects.toThrow(/closed/);
  });
});
