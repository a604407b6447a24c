import { Logger } from '@nestjs/common';
import { PermanentJobError } from './errors';
import { backoffDelay, resolveJob } from './job-ids';
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
  type ReplayResult,
} from './queue.types';

type State = 'waiting' | 'active' | 'delayed' | 'failed' | 'completed';

interface Entry {
  id: string;
  data: Record<string, string>;
  attempts: number;
  backoffMs: number;
  attemptsMade: number;
  state: State;
  failedReason?: string;
  finishedOn?: number;
  /** Order of failure, so dead letters list newest first even within one millisecond. */
  failedSeq?: number;
  timer?: NodeJS.Timeout;
}

interface Lane {
  jobs: Map<string, Entry>;
  /** FIFO of waiting job ids. */
  waiting: string[];
  /** Completed job ids, oldest first, for the retention limits. */
  completed: string[];
  handler?: (job: QueueJob) => Promise<void>;
  concurrency: number;
  running: number;
}

/**
 * The embedded default: the same contract as the BullMQ driver (job-id dedupe, attempts,
 * exponential backoff on timers, PermanentJobError not retried, dead letters kept until
 * replayed, concurrency, graceful close) in process memory. Nothing survives a restart: the
 * database (outbox, letters, print runs) is the source of truth and work is re-derived from it.
 */
export class InProcessDriver implements QueueDriver {
  readonly kind = 'in-process' as const;
  private readonly lanes = new Map<QueueName, Lane>();
  private readonly running = new Set<Promise<void>>();
  private readonly defaults: { attempts: number; backoffMs: number };
  private readonly keep: { count: number; ageMs: number };
  private readonly logger = new Logger('Queue');
  private closing?: Promise<void>;
  private failures = 0;

  constructor(options: Partial<QueueDriverOptions> = {}) {
    this.defaults = {
      attempts: options.defaults?.attempts ?? DEFAULT_ATTEMPTS,
      backoffMs: options.defaults?.backoffMs ?? DEFAULT_BACKOFF_MS,
    };
    this.keep = {
      count: options.keepCompleted?.count ?? DEFAULT_KEEP_COMPLETED.count,
      ageMs: (options.keepCompleted?.ageSeconds ?? DEFAULT_KEEP_COMPLETED.ageSeconds) * 1000,
    };
  }

  add<Q extends QueueName>(queue: Q, data: JobPayloads[Q], options: JobOptions = {}): Promise<string> {
    return settle(() => {
      this.assertOpen();
      const job = resolveJob(queue, data, options, this.defaults);
      const lane = this.lane(queue);
      this.pruneCompleted(lane);
      if (!lane.jobs.has(job.jobId)) {
        lane.jobs.set(job.jobId, {
          id: job.jobId,
          data: { ...(job.data as unknown as Record<string, string>) },
          attempts: job.attempts,
          backoffMs: job.backoffMs,
          attemptsMade: 0,
          state: 'waiting',
        });
        lane.waiting.push(job.jobId);
        this.pump(queue, lane);
      }
      return job.jobId;
    });
  }

  process<Q extends QueueName>(
    queue: Q,
    handler: JobHandler<Q>,
    options: ProcessOptions = {},
  ): Promise<void> {
    return settle(() => {
      this.assertOpen();
      const lane = this.lane(queue);
      if (lane.handler) throw new Error(`Queue ${queue} already has a processor in this process`);
      lane.handler = handler as (job: QueueJob) => Promise<void>;
      lane.concurrency = concurrencyOf(options);
      this.pump(queue, lane);
    });
  }

  deadLetters<Q extends QueueName>(queue: Q, page: DeadLetterPage = {}): Promise<DeadLetter<Q>[]> {
    const { offset, limit } = pageOf(page);
    const failed = [...this.lane(queue).jobs.values()]
      .filter((e) => e.state === 'failed')
      .sort((a, b) => (b.failedSeq ?? 0) - (a.failedSeq ?? 0));
    return Promise.resolve(
      failed.slice(offset, offset + limit).map((e) => ({
        id: e.id,
        queue,
        data: { ...e.data } as unknown as JobPayloads[Q],
        failedReason: e.failedReason ?? '',
        attemptsMade: e.attemptsMade,
        finishedOn: e.finishedOn ?? 0,
      })),
    );
  }

  replay(queue: QueueName, jobId: string): Promise<ReplayResult> {
    return settle((): ReplayResult => {
      this.assertOpen();
      const lane = this.lane(queue);
      const entry = lane.jobs.get(jobId);
      if (!entry) return 'not-found';
      if (entry.state !== 'failed') return 'not-failed';
      Object.assign(entry, {
        state: 'waiting',
        attemptsMade: 0,
        failedReason: undefined,
        finishedOn: undefined,
      });
      lane.waiting.push(jobId);
      this.pump(queue, lane);
      return 'replayed';
    });
  }

  counts(queue: QueueName): Promise<QueueCounts> {
    const lane = this.lane(queue);
    this.pruneCompleted(lane);
    const counts: QueueCounts = { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 };
    for (const entry of lane.jobs.values()) counts[entry.state]++;
    return Promise.resolve(counts);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      // Backoff timers would start jobs after close: cancel them (the jobs stay 'delayed').
      for (const lane of this.lanes.values())
        for (const entry of lane.jobs.values()) if (entry.timer) clearTimeout(entry.timer);
      while (this.running.size > 0) await Promise.allSettled([...this.running]);
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new Error('The queue driver is closed');
  }

  private lane(queue: QueueName): Lane {
    let lane = this.lanes.get(queue);
    if (!lane) {
      lane = { jobs: new Map(), waiting: [], completed: [], concurrency: 1, running: 0 };
      this.lanes.set(queue, lane);
    }
    return lane;
  }

  /** Starts waiting jobs while the processor has room; never after close. */
  private pump(queue: QueueName, lane: Lane): void {
    const handler = lane.handler;
    while (!this.closing && handler && lane.running < lane.concurrency && lane.waiting.length > 0) {
      const id = lane.waiting.shift();
      const entry = id === undefined ? undefined : lane.jobs.get(id);
      if (!entry || entry.state !== 'waiting') continue;
      entry.state = 'active';
      lane.running++;
      const run = this.run(queue, lane, entry, handler).finally(() => {
        this.running.delete(run);
        lane.running--;
        this.pump(queue, lane);
      });
      this.running.add(run);
    }
  }

  private async run(
    queue: QueueName,
    lane: Lane,
    entry: Entry,
    handler: (job: QueueJob) => Promise<void>,
  ): Promise<void> {
    const job: QueueJob = {
      id: entry.id,
      name: queue,
      data: { ...entry.data } as unknown as JobPayloads[QueueName],
      attemptsMade: entry.attemptsMade,
    };
    try {
      // Never synchronously inside add(): a handler always starts on a later tick, as with BullMQ.
      await Promise.resolve();
      await handler(job);
      entry.state = 'completed';
      entry.finishedOn = Date.now();
      lane.completed.push(entry.id);
      this.pruneCompleted(lane);
    } catch (e) {
      entry.attemptsMade++;
      const permanent = e instanceof PermanentJobError;
      if (permanent || entry.attemptsMade >= entry.attempts) {
        entry.state = 'failed';
        entry.failedReason = e instanceof Error ? e.message : String(e);
        entry.finishedOn = Date.now();
        entry.failedSeq = ++this.failures;
        this.logger.warn(
          `${queue} job ${entry.id} is a dead letter after ${entry.attemptsMade} attempt(s)${permanent ? ' (permanent error)' : ''}`,
        );
        return;
      }
      entry.state = 'delayed';
      entry.timer = setTimeout(
        () => {
          entry.timer = undefined;
          entry.state = 'waiting';
          lane.waiting.push(entry.id);
          this.pump(queue, lane);
        },
        backoffDelay(entry.backoffMs, entry.attemptsMade),
      );
    }
  }

  /** Forgets completed jobs beyond the count or age kept, as BullMQ's removeOnComplete does. */
  private pruneCompleted(lane: Lane): void {
    const oldest = Date.now() - this.keep.ageMs;
    while (lane.completed.length > 0) {
      const id = lane.completed[0];
      const entry = id === undefined ? undefined : lane.jobs.get(id);
      const stale = !entry || entry.state !== 'completed' || (entry.finishedOn ?? 0) < oldest;
      if (!stale && lane.completed.length <= this.keep.count) break;
      lane.completed.shift();
      if (id !== undefined && entry?.state === 'completed') lane.jobs.delete(id);
    }
  }
}

/** Runs `fn` now; its result or its throw as a promise (drivers fail by rejecting, never by throwing). */
function settle<T>(fn: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(fn()));
}

export function concurrencyOf(options: ProcessOptions): number {
  const concurrency = options.concurrency ?? 1;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1)
    throw new Error('concurrency must be a whole number from 1');
  return concurrency;
}

export function pageOf(page: DeadLetterPage): { offset: number; limit: number } {
  const offset = Math.max(0, Math.trunc(page.offset ?? 0));
  const limit = Math.min(1000, Math.max(1, Math.trunc(page.limit ?? 100)));
  return { offset, limit };
}
