import type { KeyObject } from 'node:crypto';
import type { Db } from '@passerelle/store';
import { appendCheckpoint, type AuditCheckpoint, signCheckpoint } from './audit-checkpoints';

export interface AuditCheckpointerOptions {
  /** Where the day files are appended: a place the database's administrators cannot write. */
  dir: string;
  /** The Ed25519 private key, kept outside the database. */
  privateKey: KeyObject;
  /** How often the head is signed (when it moved). */
  intervalMs: number;
  /** Told of a failed checkpoint (the error only: a checkpoint holds no patient data). */
  onError?: (error: unknown) => void;
  now?: () => Date;
}

/**
 * Signs the audit chain's head now and then, off the request path: every `intervalMs`, and once
 * more on `close()` (after the audit writer has flushed, so the last records are covered). Each
 * process signs the head it reads; several hubs on one database each append their own lines, so
 * checkpoints only ever add up. A head that has not moved since this process signed it is not
 * signed again.
 */
export class AuditCheckpointer {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<AuditCheckpoint | undefined> = Promise.resolve(undefined);
  private lastSigned: { seq: number; hash: string } | undefined;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly options: AuditCheckpointerOptions,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => {
      this.checkpoint().catch((e: unknown) => this.options.onError?.(e));
    }, this.options.intervalMs);
    this.timer.unref(); // a pending checkpoint never keeps a process alive
  }

  /**
   * Reads the head and, when it moved, signs it and appends the checkpoint. Resolves with the
   * checkpoint written, or undefined when there was nothing new to sign. One at a time.
   */
  checkpoint(): Promise<AuditCheckpoint | undefined> {
    const next = this.running.catch(() => undefined).then(() => this.signHead());
    this.running = next;
    return next;
  }

  /**
   * Stops the timer and signs the head a last time (call it after the audit writer's close()).
   * A failure goes to `onError`: shutting down goes on.
   */
  async close(): Promise<AuditCheckpoint | undefined> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.closed = true;
    try {
      return await this.checkpoint();
    } catch (e) {
      this.options.onError?.(e);
      return undefined;
    }
  }

  /**
   * Signs a given record of the chain (`seq`, `hash`) and appends the checkpoint: the last record
   * of a month about to be detached, where the chain kept in the database will start from.
   */
  async sign(seq: number, hash: string): Promise<AuditCheckpoint> {
    const checkpoint = signCheckpoint(this.options.privateKey, seq, hash, this.options.now?.() ?? new Date());
    await appendCheckpoint(this.options.dir, checkpoint);
    return checkpoint;
  }

  private async signHead(): Promise<AuditCheckpoint | undefined> {
    const rows: { seq: string; hash: string }[] = await this.db.query(
      'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    if (rows.length === 0) return undefined;
    const head = { seq: Number(rows[0].seq), hash: rows[0].hash };
    if (this.lastSigned?.seq === head.seq && this.lastSigned.hash === head.hash) return undefined;
    const checkpoint = signCheckpoint(
      this.options.privateKey,
      head.seq,
      head.hash,
      this.options.now?.() ?? new Date(),
    );
    await appendCheckpoint(this.options.dir, checkpoint);
    this.lastSigned = head;
    return checkpoint;
  }
}
