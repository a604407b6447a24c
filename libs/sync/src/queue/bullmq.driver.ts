import { Logger } from '@nestjs/common';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { PermanentJobError } from './errors';
import { concurrencyOf, pageOf } from './in-process.driver';
import { resolveJob } from './job-ids';
import {
  type DeadLetter,
  type DeadLetterPage,
  DEFAULT_ATTEMPTS,
  DEFAULT_BACKOFF_MS,
  DEFAULT_KEEP_COMPLETED,
  type JobHandler,
  type JobOptions,
  type JobPayloads,
  type ProcessOptions,
  type QueueCounts,
  type QueueDriver,
  type QueueDriverOptions,
  type QueueJob,
  type QueueName,
  QUEUE_NAMES,
  type ReplayResult,
} from './queue.types';

export interface BullMqDriverOptions extends QueueDriverOptions {
  /** redis:// or rediss:// URL (REDIS_URL). */
  redisUrl: string;
  /**
   * Recovery of jobs whose worker died mid-job (SIGKILL, lost host): a job whose lock is not
   * renewed for `lockDurationMs` goes back to waiting at the next check (every
   * `stalledIntervalMs`); one that stalls more than `maxStalledCount` times fails. BullMQ's
   * defaults: 30 000, 30 000, 1.
   */
  stalled?: { lockDurationMs?: number; stalledIntervalMs?: number; maxStalledCount?: number };
}

type Payload = Record<string, string>;
type BullQueue = Queue<Payload, void, QueueName>;
type BullJob = Job<Payload, void, QueueName>;

/**
 * BullMQ on Redis: one `Queue` (producer) per queue name, created on first use, and one
 * `Worker` per queue this process handles. Completed jobs are kept a while (so a re-add of the
 * same id soon after is still a no-op), failed jobs until replayed: they are the dead letters.
 */
export class BullMqDriver implements QueueDriver {
  readonly kind = 'bullmq' as const;
  /** BullMQ's own key prefix: keys are `<prefix>bull:<queue>:…`. */
  readonly bullPrefix: string;
  private readonly queues = new Map<QueueName, BullQueue>();
  private readonly workers = new Map<QueueName, Worker<Payload, void, QueueName>>();
  private readonly defaults: { attempts: number; backoffMs: number };
  private readonly keepCompleted: { count: number; age: number };
  private readonly logger = new Logger('Queue');
  private closing?: Promise<void>;

  constructor(private readonly options: BullMqDriverOptions) {
    this.bullPrefix = `${options.prefix}bull`;
    this.defaults = {
      attempts: options.defaults?.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.defaults?.backoffMs ?? DEFAULT_BACKOFF_MS,
    };
    this.keepCompleted = {
      count: options.keepCompleted?.count ?? DEFAULT_KEEP_COMPLETED.count,
      age: options.keepCompleted?.ageSeconds ?? DEFAULT_KEEP_COMPLETED.ageSeconds,
    };
  }

  async add<Q extends QueueName>(queue: Q, data: JobPayloads[Q], options: JobOptions = {}): Promise<string> {
    this.assertOpen();
    const job = resolveJob(queue, data, options, this.defaults);
    // An id that exists in any state (even failed or kept-completed) makes this a no-op in BullMQ.
    await this.queue(queue).add(queue, job.data, {
      jobId: job.jobId,
      attempts: job.attempts,
      backoff: { type: 'exponential', delay: job.backoffMs },
      removeOnComplete: this.keepCompleted,
      removeOnFail: false,
    });
    return job.jobId;
  }

  async process<Q extends QueueName>(
    queue: Q,
    handler: JobHandler<Q>,
    options: ProcessOptions = {},
  ): Promise<void> {
    this.assertOpen();
    if (this.workers.has(queue)) throw new Error(`Queue ${queue} already has a processor in this process`);
    const concurrency = concurrencyOf(options);
    const run = handler as JobHandler<QueueName>;
    const worker = new Worker<Payload, void, QueueName>(
      queue,
      async (job: BullJob) => {
        const view: QueueJob = {
          id: job.id ?? '',
          name: queue,
          data: job.data as unknown as JobPayloads[QueueName],
          attemptsMade: job.attemptsMade,
        };
        try {
          await run(view);
        } catch (e) {
          if (e instanceof PermanentJobError) throw new UnrecoverableError(e.message);
          throw e;
        }
      },
      {
        // Workers block on Redis: ioredis must retry their commands forever (BullMQ's requirement).
        connection: { url: this.options.redisUrl, maxRetriesPerRequest: null },
        prefix: this.bullPrefix,
        concurrency,
        ...(this.options.stalled?.lockDurationMs !== undefined && {
          lockDuration: this.options.stalled.lockDurationMs,
        }),
        ...(this.options.stalled?.stalledIntervalMs !== undefined && {
          stalledInterval: this.options.stalled.stalledIntervalMs,
        }),
        ...(this.options.stalled?.maxStalledCount !== undefined && {
          maxStalledCount: this.options.stalled.maxStalledCount,
        }),
      },
    );
    worker.on('error', (e) => this.logger.error(`${queue} worker: ${e.message}`));
    worker.on('failed', (job, e) => {
      const permanent = e instanceof UnrecoverableError;
      if (job && (permanent || job.attemptsMade >= (job.opts.attempts ?? 1)))
        this.logger.warn(
          `${queue} job ${job.id ?? '?'} is a dead letter after ${job.attemptsMade} attempt(s)${permanent ? ' (permanent error)' : ''}`,
        );
    });
    this.workers.set(queue, worker);
    await worker.waitUntilReady();
  }

  async deadLetters<Q extends QueueName>(queue: Q, page: DeadLetterPage = {}): Promise<DeadLetter<Q>[]> {
    const { offset, limit } = pageOf(page);
    const failed = await this.queue(queue).getFailed(offset, offset + limit - 1);
    return failed.map((job) => ({
      id: job.id ?? '',
      queue,
      data: job.data as unknown as JobPayloads[Q],
      failedReason: job.failedReason,
      attemptsMade: job.attemptsMade,
      finishedOn: job.finishedOn ?? 0,
    }));
  }

  async replay(queue: QueueName, jobId: string): Promise<ReplayResult> {
    this.assertOpen();
    const job = await this.queue(queue).getJob(jobId);
    if (!job) return 'not-found';
    if ((await job.getState()) !== 'failed') return 'not-failed';
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch (e) {
      // Another operator replayed it between our read and our move: it is no longer failed.
      if ((await job.getState()) !== 'failed') return 'not-failed';
      throw e;
    }
    return 'replayed';
  }

  async counts(queue: QueueName): Promise<QueueCounts> {
    const c = await this.queue(queue).getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    const n = (type: string) => c[type] ?? 0;
    return {
      waiting: n('waiting') + n('prioritized'),
      active: n('active'),
      delayed: n('delayed'),
      failed: n('failed'),
      completed: n('completed'),
    };
  }

  /** The BullMQ queues, for Bull Board; one per queue name. */
  bullQueues(): BullQueue[] {
    return QUEUE_NAMES.map((name) => this.queue(name));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Workers first: each stops fetching and waits for its running jobs; then the producers.
      await Promise.all([...this.workers.values()].map((w) => w.close()));
      await Promise.all([...this.queues.values()].map((q) => q.close()));
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('The queue driver is closed');
  }

  private queue(name: QueueName): BullQueue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<Payload, void, QueueName>(name, {
        connection: { url: this.options.redisUrl },
        prefix: this.bullPrefix,
      });
      queue.on('error', (e) => this.logger.error(`${name} queue: ${e.message}`));
      this.queues.set(name, queue);
    }
    return queue;
  }
}
