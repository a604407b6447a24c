import type { Db } from '@passerelle/store';

/**
 * `audit_event` is a projection of the log (`audit_log`, migration 1765750000000): the searchable
 * columns and their indexes, built after the records are durable, off the request path, by
 * `audit_project` in the database. One projector at a time across every process (advisory lock
 * 7020414), a cursor (`audit_projection`) moved in the same transaction as the rows it covers,
 * so a crash loses nothing: the next projector goes on from the cursor.
 */

/** Records projected per statement. */
const BATCH = 1000;
/** Default time between two projections: the projection is at most about this far behind. */
const INTERVAL_MS = 250;

/**
 * Projects everything committed to the log when it is called, waiting for a projector that holds
 * the lock to finish first. After it returns, `audit_event` holds every record committed before
 * the call: what a reader that must see its own writes (or a test) calls before reading. Inside a
 * transaction, the rows and the cursor commit with it. Returns the number of records projected.
 */
export async function catchUpAuditProjection(db: Db, batch = BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const rows: { n: number }[] = await db.query('SELECT audit_project($1, true) AS n', [batch]);
    const n = Number(rows[0]?.n ?? 0);
    total += Math.max(0, n);
    if (n < batch) return total;
  }
}

/** The last `seq` in `audit_event` the projection vouches for (every record up to it is there). */
export async function auditProjectedThrough(db: Db): Promise<number> {
  const rows: { through: string }[] = await db.query('SELECT through FROM audit_projection');
  return Number(rows[0]?.through ?? 0);
}

export interface AuditProjectorOptions {
  /** Milliseconds between projections. Default 250. */
  intervalMs?: number;
  /** Called after a projection that moved records, for metrics: records and milliseconds. */
  onProjected?: (records: number, ms: number) => void;
  /** A projection that failed (it is retried at the next interval). */
  onError?: (e: unknown) => void;
}

/**
 * Keeps `audit_event` a few hundred milliseconds behind the log: catches up at `start()` (what a
 * previous process left), then every `intervalMs` projects what the log gained, unless another
 * process holds the projector's lock (it is projecting the same records). Readers that must see a
 * record they have just written call `projectedThrough(seq)` (or `catchUpAuditProjection`).
 */
export class AuditProjector {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: AuditProjectorOptions = {},
  ) {}

  /** Catches up with the log, then projects every `intervalMs`. */
  async start(): Promise<void> {
    if (this.timer || this.closed) return;
    await this.catchUp();
    this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? INTERVAL_MS);
    this.timer.unref();
  }

  /** Everything committed to the log before this call is in `audit_event` once it resolves. */
  async catchUp(): Promise<number> {
    const started = performance.now();
    const n = await catchUpAuditProjection(this.db);
    this.projected(n, started);
    return n;
  }

  /** Resolves once `audit_event` holds every record up to `seq` (a writer's `committedThrough`). */
  async projectedThrough(seq: number): Promise<void> {
    if ((await auditProjectedThrough(this.db)) >= seq) return;
    await this.catchUp();
  }

  /** Stops the timer, waits for a projection under way, then projects what is left (best effort). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    await this.catchUp().catch((e: unknown) => this.options.onError?.(e));
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.projectAvailable()
      .catch((e: unknown) => this.options.onError?.(e))
      .finally(() => {
        this.running = undefined;
      });
  }

  /** Projects without waiting: another process holding the lock is projecting already (-1). */
  private async projectAvailable(): Promise<void> {
    const started = performance.now();
    let total = 0;
    for (;;) {
      const rows: { n: number }[] = await this.db.query('SELECT audit_project($1, false) AS n', [BATCH]);
      const n = Number(rows[0]?.n ?? 0);
      total += Math.max(0, n);
      if (n < BATCH || this.closed) break;
    }
    this.projected(total, started);
  }

  private projected(records: number, started: number): void {
    if (records === 0) return;
    try {
      this.options.onProjected?.(records, performance.now() - started);
    } catch {
      // A metrics hook must not stop the projection.
    }
  }
}
