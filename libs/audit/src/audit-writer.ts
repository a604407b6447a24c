import type { Db } from '@passerelle/store';
import type { DataSource, QueryRunner } from 'typeorm';
import { appendToChain, type PreparedEvent, prepareEvent } from './audit-chain';
import { buildAuditEvent } from './audit-event.builder';
import type { AuditInput } from './audit.types';

export interface AuditWriterOptions {
  /** Most events in one flush (a single caller's events are never split). Default 500. */
  maxBatch?: number;
  /**
   * How long an idle writer waits for more records before flushing. Default 0: the flush starts
   * once the current turn of the event loop is done, so records queued together go together.
   * While a flush is running, new records wait for it and go in the next one (group commit).
   */
  lingerMs?: number;
  /** Called after each committed flush, for metrics and tests: event count and milliseconds. */
  onFlush?: (events: number, ms: number) => void;
  /**
   * Flushes sent before the previous one has committed. Default 1. More lets the next batch wait
   * at the database for the chain lock, so the lock passes on at the previous COMMIT instead of
   * after a round trip through the hub: worth it when the database is far away. Next to it, it
   * costs more than it saves (smaller batches, one COMMIT each): bench/consent on the 2-core
   * machine, 2 in flight: 2,505-2,757 audited reads/s; 1: 2,711-3,191; with kept connections
   * (below), 2 in flight still 5-12 % slower (bench/README.md). The chain stays one whatever the
   * number: each flush links after the head it finds under the lock.
   */
  maxInFlight?: number;
  /**
   * Flush on connections of the pool kept for the writer (one per flush in flight, opened at the
   * first flush, given back by close()) instead of taking one from the pool each time; the reads
   * share the others. Default: kept when the pool has more than one connection (PostgreSQL),
   * never with PGlite's one. Taken from the pool, a flush queues behind the reads waiting for a
   * connection while the reads in it wait for the flush: bench/consent (32 clients, a pool of
   * 10) measured flushes 30 % shorter on a kept connection.
   */
  dedicatedConnection?: boolean;
}

export interface AuditWriterStats {
  flushes: number;
  events: number;
  largestFlush: number;
  failedFlushes: number;
}

interface Pending {
  /** performance.now() when queued: how long records wait tells a stalled writer. */
  queuedAt: number;
  events: PreparedEvent[];
  resolve: (ids: string[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Writes the hash-chained audit trail.
 *
 * `record()` is a group commit: records from concurrent callers are queued and written together
 * by one statement, its own transaction (`audit_log_append`: chain lock, head, one narrow INSERT
 * into the log, in one round trip); each caller's promise resolves only after that COMMIT, so no disclosure happens
 * before its audit record is durable. While a flush runs, new records wait and go in the next
 * (unless `maxInFlight` allows more flushes on their way at once, in line for the chain lock). A failed flush
 * rejects every caller in it. Never call `record()` from inside a transaction: with PGlite's one
 * connection it would wait forever for that connection; use `recordIn()` instead.
 */
export class AuditWriter {
  private readonly maxBatch: number;
  private readonly lingerMs: number;
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private readonly maxInFlight: number;
  private readonly inFlight = new Set<Promise<void>>();
  /** Each flush in flight, with when the oldest record in it was queued. */
  private readonly inFlightSince = new Map<Promise<void>, number>();
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private readonly counters: AuditWriterStats = { flushes: 0, events: 0, largestFlush: 0, failedFlushes: 0 };
  private readonly dedicated: boolean;
  /** Kept connections not flushing now (at most maxInFlight are ever opened). */
  private readonly idleRunners: QueryRunner[] = [];
  private appendedThrough = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly options: AuditWriterOptions = {},
  ) {
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
    this.lingerMs = Math.max(0, options.lingerMs ?? 0);
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    this.dedicated = options.dedicatedConnection ?? poolSizeOf(dataSource) > 1;
  }

  /**
   * The `seq` of the last record this writer has committed (0 before the first): a reader that
   * must see them in `audit_event` waits for the projection to get there
   * (`AuditProjector.projectedThrough`).
   */
  get committedThrough(): number {
    return this.appendedThrough;
  }

  get stats(): Readonly<AuditWriterStats> {
    return { ...this.counters };
  }

  /**
   * How long the oldest record not yet committed (queued, or in a flush) has waited, in
   * milliseconds; 0 when none waits. A writer that is not stalled keeps this near a flush's time.
   */
  oldestWaitMs(now = performance.now()): number {
    const since = [this.queue[0]?.queuedAt ?? Infinity, ...this.inFlightSince.values()];
    const oldest = Math.min(...since);
    return oldest === Infinity ? 0 : Math.max(0, now - oldest);
  }

  /** Records queued, not yet in a flush. */
  get queued(): number {
    return this.queuedEvents;
  }

  /** Closed (the process is stopping): records are refused. */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues the events and resolves with their ids once they are committed. */
  record(inputs: readonly AuditInput[]): Promise<string[]> {
    if (this.closed) return Promise.reject(new Error('AuditWriter is closed'));
    if (inputs.length === 0) return Promise.resolve([]);
    let events: PreparedEvent[];
    try {
      // Built and serialised in the caller's turn, so the flush holds the chain lock briefly.
      events = inputs.map((input) => prepareEvent(buildAuditEvent(input)));
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return new Promise<string[]>((resolve, reject) => {
      this.queue.push({ queuedAt: performance.now(), events, resolve, reject });
      this.queuedEvents += events.length;
      this.schedule();
    });
  }

  /**
   * Writes the events in the caller's transaction (same lock, same chain): they commit or roll
   * back with the change they describe. The chain lock is then held until that transaction ends,
   * so keep it short.
   */
  async recordIn(db: Db, inputs: readonly AuditInput[]): Promise<string[]> {
    if (!db.queryRunner?.isTransactionActive)
      throw new Error('recordIn appends inside a transaction (the chain lock lasts until COMMIT)');
    const events = inputs.map((input) => prepareEvent(buildAuditEvent(input)));
    await appendToChain(db, events);
    return events.map((e) => e.id);
  }

  /** Stops accepting records and waits until everything queued is committed (or has failed). */
  async close(): Promise<void> {
    this.closed = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    while (this.inFlight.size > 0 || this.queue.length > 0) {
      this.startFlush();
      await Promise.race(this.inFlight);
    }
    await Promise.all(this.idleRunners.splice(0).map((r) => r.release()));
  }

  private schedule(): void {
    if (this.inFlight.size >= this.maxInFlight) return; // a flush that ends starts the next one
    if (this.queuedEvents >= this.maxBatch) return this.startFlush();
    if (this.cancelTimer) return;
    if (this.lingerMs === 0) {
      const handle = setImmediate(() => this.startFlush());
      this.cancelTimer = () => clearImmediate(handle);
    } else {
      const handle = setTimeout(() => this.startFlush(), this.lingerMs);
      this.cancelTimer = () => clearTimeout(handle);
    }
  }

  private startFlush(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    if (this.inFlight.size >= this.maxInFlight || this.queue.length === 0) return;
    const batch: Pending[] = [];
    let size = 0;
    while (
      this.queue.length > 0 &&
      (batch.length === 0 || size + this.queue[0].events.length <= this.maxBatch)
    ) {
      const next = this.queue.shift() as Pending;
      batch.push(next);
      size += next.events.length;
    }
    this.queuedEvents -= size;
    const flushing: Promise<void> = this.flush(batch).finally(() => {
      this.inFlight.delete(flushing);
      this.inFlightSince.delete(flushing);
      if (this.queue.length > 0) this.startFlush();
    });
    this.inFlight.add(flushing);
    this.inFlightSince.set(flushing, batch[0]?.queuedAt ?? performance.now());
  }

  /** One statement (one transaction) for the whole batch; never rejects (its callers' promises carry the outcome). */
  private async flush(batch: Pending[]): Promise<void> {
    const events = batch.flatMap((p) => p.events);
    const started = performance.now();
    try {
      const last = await this.onConnection((db) => appendToChain(db, events));
      this.appendedThrough = Math.max(this.appendedThrough, last);
    } catch (e) {
      this.counters.failedFlushes++;
      for (const p of batch) p.reject(e);
      return;
    }
    const ms = performance.now() - started;
    this.counters.flushes++;
    this.counters.events += events.length;
    this.counters.largestFlush = Math.max(this.counters.largestFlush, events.length);
    for (const p of batch) p.resolve(p.events.map((e) => e.id));
    try {
      this.options.onFlush?.(events.length, ms);
    } catch {
      // A metrics hook must not break the writer.
    }
  }

  /**
   * Runs `fn` on a kept connection (or the pool's). A kept connection that broke is dropped by
   * TypeORM (released with its error, so the pool does not reuse it): the next flush opens another.
   */
  private async onConnection<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (!this.dedicated) return fn(this.dataSource.manager);
    let runner = this.idleRunners.pop();
    while (runner?.isReleased) runner = this.idleRunners.pop();
    runner ??= this.dataSource.createQueryRunner();
    try {
      return await fn(runner.manager);
    } finally {
      if (!runner.isReleased) this.idleRunners.push(runner);
    }
  }
}

/** The pool's size as the postgres driver sets it (`extra.max` wins), node-postgres' 10 by default. */
function poolSizeOf(dataSource: DataSource): number {
  const options = dataSource.options as { poolSize?: number; extra?: { max?: number } };
  return options.extra?.max ?? options.poolSize ?? 10;
}
