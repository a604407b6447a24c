/**
 * The queue contract shared by the hub (which enqueues), the worker (which processes) and both
 * drivers (BullMQ on Redis, in-process for the embedded default). Payloads carry ids only: a
 * handler re-reads current state from the database, which stays the source of truth.
 */

/** What each queue's jobs carry: ids, never patient data. One queue per kind of job. */
export interface JobPayloads {
  /**
   * Route the outbox rows `from`..`through` (ids, inclusive) still waiting, together: who should
   * receive each change, in one transaction. A range, so that a payload stays a pair of ids.
   */
  route: { from: string; through: string };
  /** Render one letter. */
  letter: { letterId: string };
  /** Assemble one print run. */
  'print-run': { runId: string };
}

export type QueueName = keyof JobPayloads;

/**
 * The id fields of each queue's payload, in job-id order. The mapped type makes a queue left out
 * a compile error; `add` refuses a payload with any other field, or a value that is not an id.
 */
export const PAYLOAD_FIELDS: { readonly [Q in QueueName]: readonly (keyof JobPayloads[Q] & string)[] } = {
  route: ['from', 'through'],
  letter: ['letterId'],
  'print-run': ['runId'],
};

export const QUEUE_NAMES = Object.keys(PAYLOAD_FIELDS) as readonly QueueName[];

export function isQueueName(value: string): value is QueueName {
  return Object.hasOwn(PAYLOAD_FIELDS, value);
}

export interface JobOptions {
  /**
   * Idempotency key, unique per queue while the job exists (waiting, delayed, active, failed, or
   * completed and still kept). Default: derived from the payload, e.g. `route-<from>_<through>`.
   * Must not contain ':' nor be a bare integer (BullMQ refuses both).
   */
  jobId?: string;
  /** Tries in all, the first included. Default: the driver's (5). */
  attempts?: number;
  /** Exponential backoff base delay in ms: retry n waits base × 2^(n-1). Default: the driver's (2000). */
  backoffMs?: number;
}

/** What a handler receives. `attemptsMade` counts earlier failed tries: 0 on the first run. */
export interface QueueJob<Q extends QueueName = QueueName> {
  readonly id: string;
  readonly name: Q;
  readonly data: Readonly<JobPayloads[Q]>;
  readonly attemptsMade: number;
}

/** Resolves: done. Throws `PermanentJobError`: dead letter now. Throws anything else: retried. */
export type JobHandler<Q extends QueueName> = (job: QueueJob<Q>) => Promise<void>;

export interface ProcessOptions {
  /** Jobs of this queue run at once in this process. Default 1. */
  concurrency?: number;
}

/** A job that failed for good (attempts exhausted or permanent error), kept until replayed. */
export interface DeadLetter<Q extends QueueName = QueueName> {
  id: string;
  queue: Q;
  data: JobPayloads[Q];
  failedReason: string;
  attemptsMade: number;
  /** When it failed for good, epoch milliseconds. */
  finishedOn: number;
}

export interface DeadLetterPage {
  /** Newest first; default 0. */
  offset?: number;
  /** Default 100, at most 1000. */
  limit?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  /** Waiting for a backoff delay before the next try. */
  delayed: number;
  /** Dead letters. */
  failed: number;
  /** Completed jobs still kept (see `keepCompleted`), not all-time. */
  completed: number;
}

/** `not-found`: no job by that id; `not-failed`: it exists but is not a dead letter. */
export type ReplayResult = 'replayed' | 'not-found' | 'not-failed';

export type QueueDriverKind = 'bullmq' | 'in-process';

export interface QueueDriver {
  readonly kind: QueueDriverKind;
  /**
   * Enqueues a job and resolves with its id. A job whose id already exists in the queue (in any
   * state, including a dead letter or a completed job still kept) is left as it is: a no-op.
   */
  add<Q extends QueueName>(queue: Q, data: NoInfer<JobPayloads[Q]>, options?: JobOptions): Promise<string>;
  /** Starts taking this queue's jobs in this process; once per queue per driver. */
  process<Q extends QueueName>(queue: Q, handler: JobHandler<Q>, options?: ProcessOptions): Promise<void>;
  /** Failed jobs of one queue, newest first. */
  deadLetters<Q extends QueueName>(queue: Q, page?: DeadLetterPage): Promise<DeadLetter<Q>[]>;
  /** Puts a dead letter back in the queue with its attempts reset to zero. */
  replay(queue: QueueName, jobId: string): Promise<ReplayResult>;
  counts(queue: QueueName): Promise<QueueCounts>;
  /**
   * Graceful: stops taking new jobs at once, waits for running ones to finish, then lets go of
   * its connections. Jobs not yet started stay queued (BullMQ) or are dropped with the process
   * (in-process: the database re-derives them). Idempotent.
   */
  close(): Promise<void>;
}

/** Nest injection token for the process's one `QueueDriver`. */
export const QUEUE_DRIVER = Symbol('QUEUE_DRIVER');

export interface QueueDriverOptions {
  /**
   * Key prefix of the deployment (REDIS_KEY_PREFIX, e.g. `passerelle:`); BullMQ keys live under
   * `<prefix>bull:<queue>:…`. Tests give each run its own.
   */
  prefix: string;
  /** Defaults for jobs that do not say: attempts 5, backoff base 2000 ms. */
  defaults?: { attempts?: number; backoffMs?: number };
  /** How many completed jobs to keep, and how long (seconds): default 1000 and 1 hour. */
  keepCompleted?: { count?: number; ageSeconds?: number };
}

export const DEFAULT_ATTEMPTS = 5;
export const DEFAULT_BACKOFF_MS = 2000;
export const DEFAULT_KEEP_COMPLETED = { count: 1000, ageSeconds: 3600 };
