import type { Db } from '@passerelle/store';
import { archiveAnchor } from './audit-archive';
import { AUDIT_CHAIN_LOCK } from './audit-chain';
import { catchUpAuditProjection } from './audit-projection';
import { verifyAuditChain } from './audit-verifier';
import { GENESIS_HASH } from './canonical-json';

/**
 * The audit trail's monthly partitions (migration 1765640000000): made ahead of time, listed,
 * and the oldest month past detached for archiving. A detached month leaves the database's chain
 * whole: its last record's `seq` and `hash` go to `audit_archive`, and the verifier starts the
 * chain kept from there. The detached table stays in the database (append-only still) until the
 * operator has dumped it (`pg_dump -t`) and drops it.
 */

/** Months made ahead of the current one by the daily upkeep (the migration makes as many). */
export const AUDIT_PARTITION_MONTHS_AHEAD = 3;
const DAY_MS = 24 * 60 * 60 * 1000;
const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const PARTITION = /^audit_event_y(\d{4})m(\d{2})$/;

/** An operator's request that cannot be done as asked; the message says why and what to do. */
export class AuditPartitionError extends Error {
  override readonly name = 'AuditPartitionError';
}

export interface AuditPartition {
  /** `YYYY-MM`, UTC. */
  month: string;
  table: string;
  /** The chain's run in this month; null when the month holds no record. */
  firstSeq: number | null;
  lastSeq: number | null;
}

export interface AuditArchive {
  month: string;
  table: string;
  rows: number;
  firstSeq: number | null;
  /** Where the chain kept in the database now starts from: its first record links to `lastHash`. */
  lastSeq: number;
  lastHash: string;
  detachedAt: string;
}

/** Creates the current month's partition and `monthsAhead` more where missing; how many it made. */
export async function ensureAuditPartitions(
  db: Db,
  monthsAhead = AUDIT_PARTITION_MONTHS_AHEAD,
): Promise<number> {
  const rows: { made: number }[] = await db.query('SELECT audit_ensure_partitions($1) AS made', [
    monthsAhead,
  ]);
  return Number(rows[0]?.made ?? 0);
}

/** The attached months, oldest first, and the months archived so far. */
export async function listAuditPartitions(
  db: Db,
): Promise<{ attached: AuditPartition[]; archived: AuditArchive[] }> {
  const tables: { table: string }[] = await db.query(
    `SELECT c.relname AS table FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
      WHERE i.inhparent = 'audit_event'::regclass ORDER BY c.relname`,
  );
  const attached: AuditPartition[] = [];
  for (const { table } of tables) {
    const match = PARTITION.exec(table);
    if (!match) continue; // not one of ours: left alone
    // The chain's run is the log's (its month's partition, made with the projection's).
    const [bounds]: { first: string | null; last: string | null }[] = await db.query(
      `SELECT min(seq) AS first, max(seq) AS last FROM ${quoteIdent(logTableOf(table))}`,
    );
    attached.push({
      month: `${match[1]}-${match[2]}`,
      table,
      firstSeq: bounds.first === null ? null : Number(bounds.first),
      lastSeq: bounds.last === null ? null : Number(bounds.last),
    });
  }
  return { attached, archived: await archivedMonths(db) };
}

/**
 * Detaches `month` (`YYYY-MM`) from `audit_event` and records where the chain kept starts. Only
 * a month that is over, and the oldest still attached (so the chain kept has no hole). Refused,
 * with nothing changed, unless the month's records are one unbroken run that follows the last
 * archive and verifies: a broken month is evidence to keep in place.
 */
export async function detachAuditMonth(
  db: Db,
  month: string,
  options: {
    now?: Date;
    /** Signs the month's last record once it verified, before anything changes (AuditCheckpointer.sign). */
    sign?: (seq: number, hash: string) => Promise<unknown>;
  } = {},
): Promise<AuditArchive> {
  const now = options.now ?? new Date();
  const match = MONTH.exec(month);
  if (!match) throw new AuditPartitionError(`month must be YYYY-MM, not ${JSON.stringify(month)}`);
  if (month >= now.toISOString().slice(0, 7))
    throw new AuditPartitionError(`${month} is not over yet: only a month past can be detached`);
  const { attached } = await listAuditPartitions(db);
  const partition = attached.find((p) => p.month === month);
  if (!partition) throw new AuditPartitionError(`${month} is not an attached month of the audit trail`);
  if (attached[0] !== partition)
    throw new AuditPartitionError(`detach ${attached[0].month} first: months go oldest first`);
  const anchor = (await archiveAnchor(db)) ?? { lastSeq: 0, lastHash: GENESIS_HASH };
  let end = anchor;
  let rows = 0;
  if (partition.firstSeq !== null && partition.lastSeq !== null) {
    const table = quoteIdent(logTableOf(partition.table));
    const [{ n }]: { n: string }[] = await db.query(`SELECT count(*) AS n FROM ${table}`);
    rows = Number(n);
    if (partition.firstSeq !== anchor.lastSeq + 1 || rows !== partition.lastSeq - partition.firstSeq + 1)
      throw new AuditPartitionError(
        `${month} holds ${rows} record(s) from seq ${partition.firstSeq} to ${partition.lastSeq}, not one run after seq ${anchor.lastSeq}: run audit verify`,
      );
    const verification = await verifyAuditChain(db, {
      fromSeq: partition.firstSeq,
      toSeq: partition.lastSeq,
    });
    if (!verification.ok || verification.checked !== rows)
      throw new AuditPartitionError(
        `${month} does not verify (${verification.problems.length} problem(s)): run audit verify`,
      );
    const [last]: { hash: string }[] = await db.query(`SELECT hash FROM ${table} WHERE seq = $1`, [
      partition.lastSeq,
    ]);
    end = { lastSeq: partition.lastSeq, lastHash: last.hash };
    await options.sign?.(end.lastSeq, end.lastHash);
  }
  return db.transaction(async (tx) => {
    // No append runs meanwhile: one that found no record in the last 31 days reads the whole table.
    await tx.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
    // The projection has every record of the month before it goes (and none can come after).
    await catchUpAuditProjection(tx);
    for (const [parent, table] of [
      ['audit_event', partition.table],
      ['audit_log', logTableOf(partition.table)],
    ]) {
      await tx.query(`ALTER TABLE ${parent} DETACH PARTITION ${quoteIdent(table)}`);
      // The cloned UPDATE/DELETE guard goes with the detach; the table stays append-only until dropped.
      await tx.query(`CREATE TRIGGER ${parent}_append_only BEFORE UPDATE OR DELETE ON ${quoteIdent(table)}
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    }
    await tx.query(
      `INSERT INTO audit_archive (month, table_name, row_count, first_seq, last_seq, last_hash)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [`${month}-01`, partition.table, rows, partition.firstSeq, end.lastSeq, end.lastHash],
    );
    const [archive] = await archivedMonths(tx, `${month}-01`);
    return archive;
  });
}

/**
 * Keeps the months ahead made: at `start()` and then every day. A failure (say, a role without
 * CREATE on the schema) goes to `onError`; appends fail only once the months made ahead run out.
 */
export class AuditPartitionKeeper {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: {
      monthsAhead?: number;
      intervalMs?: number;
      onError?: (e: unknown) => void;
    } = {},
  ) {}

  ensure(): Promise<number> {
    return ensureAuditPartitions(this.db, this.options.monthsAhead);
  }

  async start(): Promise<void> {
    if (this.timer) return;
    const run = () => this.ensure().catch((e: unknown) => this.options.onError?.(e));
    this.timer = setInterval(() => void run(), this.options.intervalMs ?? DAY_MS);
    this.timer.unref();
    await run();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

async function archivedMonths(db: Db, month?: string): Promise<AuditArchive[]> {
  const rows: {
    month: string;
    table_name: string;
    row_count: string;
    first_seq: string | null;
    last_seq: string;
    last_hash: string;
    detached_at: Date;
  }[] = await db.query(
    `SELECT to_char(month, 'YYYY-MM') AS month, table_name, row_count, first_seq, last_seq, last_hash, detached_at
       FROM audit_archive ${month ? 'WHERE month = $1' : ''} ORDER BY month`,
    month ? [month] : [],
  );
  return rows.map((r) => ({
    month: r.month,
    table: r.table_name,
    rows: Number(r.row_count),
    firstSeq: r.first_seq === null ? null : Number(r.first_seq),
    lastSeq: Number(r.last_seq),
    lastHash: r.last_hash,
    detachedAt: new Date(r.detached_at).toISOString(),
  }));
}

/** The log's partition of the month of a projection's partition (`audit_event_y2026m01` → `audit_log_y2026m01`). */
function logTableOf(table: string): string {
  return table.replace(/^audit_event_/, 'audit_log_');
}

/** A table name as an SQL identifier (ours match PARTITION; quoted all the same). */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
