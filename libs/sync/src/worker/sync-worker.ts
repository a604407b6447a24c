import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { Outbox } from '../outbox/outbox';
import type { QueueDriver } from '../queue';
import type { Router } from '../routing/router';
import type { WakeSource } from './outbox-listener';

export interface SyncWorkerOptions {
  /** How often the outbox is read for new rows. */
  pollIntervalMs: number;
  /** Rows read per poll. */
  batchSize: number;
  /** Rows one `route` job routes together (one transaction). */
  routeBatchSize: number;
  /** Route jobs run at once in this process. */
  concurrency: number;
  /**
   * How often every unrouted row is enqueued again, not only new ones: what re-derives jobs a
   * queue lost (Redis restarted without persistence). Deterministic job ids make it harmless.
   */
  rescanIntervalMs: number;
}

export const DEFAULT_SYNC_WORKER_OPTIONS: SyncWorkerOptions = {
  pollIntervalMs: 200,
  batchSize: 500,
  routeBatchSize: 100,
  concurrency: 4,
  rescanIntervalMs: 30_000,
};

/**
 * The outbox → `route` queue → Router loop. The outbox in the database is the source of truth:
 * the poller enqueues the unrouted rows as ranges of ids (`route-<from>_<through>`, up to
 * `routeBatchSize` rows each), so a restart, a second worker or a lost queue re-derives jobs from
 * it, and the router claims rows in its transaction: a routed row is never routed twice, even
 * when two ranges overlap after a rescan.
 */
export class SyncWorker {
  private readonly outbox = new Outbox();
  private readonly logger = new Logger('SyncWorker');
  private timer?: NodeJS.Timeout;
  private polling?: Promise<unknown>;
  private inPoll = false;
  private pollAgain = false;
  private highWater = '0';
  private lastRescan = Date.now();
  private stopped = false;
  private readonly options: SyncWorkerOptions;

  constructor(
    private readonly queue: QueueDriver,
    private readonly router: Router,
    private readonly dataSource: DataSource,
    options: Partial<SyncWorkerOptions> = {},
    /** Optional: tells of committed outbox rows between polls (PostgreSQL LISTEN). */
    private readonly wakeSource?: WakeSource,
  ) {
    this.options = { ...DEFAULT_SYNC_WORKER_OPTIONS, ...options };
  }

  async start(): Promise<void> {
    await this.queue.process(
      'route',
      async (job) => {
        await this.router.route(job.data.from, job.data.through);
      },
      { concurrency: this.options.concurrency },
    );
    this.schedule(0);
    await this.wakeSource?.start(() => this.wake());
  }

  /** New outbox rows were committed: poll now rather than at the next interval. */
  wake(): void {
    if (this.stopped) return;
    if (this.inPoll) {
      this.pollAgain = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** Enqueues unrouted outbox rows; returns how many were enqueued. */
  async pollOnce(): Promise<number> {
    if (Date.now() - this.lastRescan >= this.options.rescanIntervalMs) {
      this.highWater = '0';
      this.lastRescan = Date.now();
    }
    let total = 0;
    for (;;) {
      const rows = await this.outbox.unrouted(
        this.dataSource.manager,
        this.options.batchSize,
        this.highWater,
      );
      for (let i = 0; i < rows.length; i += this.options.routeBatchSize) {
        const range = rows.slice(i, i + this.options.routeBatchSize);
        await this.queue.add('route', { from: range[0].id, through: range[range.length - 1].id });
      }
      total += rows.length;
      if (rows.length > 0) this.highWater = rows[rows.length - 1].id;
      if (rows.length < this.options.batchSize || this.stopped) return total;
    }
  }

  /** Stops polling and waits for a poll in progress; the queue driver is closed by its owner. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.wakeSource?.close();
    await this.polling;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inPoll = true;
      this.polling = this.pollOnce()
        .catch((error: unknown) =>
          this.logger.warn(`outbox poll failed: ${error instanceof Error ? error.name : 'error'}`),
        )
        .finally(() => {
          this.inPoll = false;
          const again = this.pollAgain;
          this.pollAgain = false;
          this.schedule(again ? 0 : this.options.pollIntervalMs);
        });
    }, delay);
    this.timer.unref();
  }
}
