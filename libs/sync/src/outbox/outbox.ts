import { type Db, HUB_AGENCY, type WriteHook } from '@passerelle/store';

/** The channel notified when outbox rows are committed (the worker's `OutboxListener`). */
export const OUTBOX_CHANNEL = 'sync_outbox';

/** One stored version waiting to be routed (ids only). */
export interface OutboxRow {
  id: string;
  resourceType: string;
  resourceId: string;
  versionId: number;
  sourceAgency: string;
  patientId: string | null;
  deleted: boolean;
}

/**
 * For `FhirRepository`'s `afterWrite`: an outbox row per stored version, in the writing
 * transaction. What the hub itself writes is not exchanged (an agency's Organization), but for
 * the notices it sends agencies (`Communication`, e.g. returned mail).
 */
export const writeOutbox: WriteHook = async (db, actor, written) => {
  const rows = written.filter((w) => w.sourceAgency !== HUB_AGENCY || w.type === 'Communication');
  if (rows.length === 0) return;
  const values: unknown[] = [];
  const tuples = rows.map((w, i) => {
    values.push(w.type, w.id, w.versionId, w.sourceAgency || actor.agency, w.patientId, w.deleted);
    const p = i * 6;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`;
  });
  // Notifies the worker's listener (delivered at COMMIT, never for a rollback) in the same
  // statement: routing starts at once instead of at the next poll.
  await db.query(
    `WITH added AS (
       INSERT INTO sync_outbox (resource_type, resource_id, version_id, source_agency, patient_id, deleted)
       VALUES ${tuples.join(', ')} ON CONFLICT DO NOTHING RETURNING 1)
     SELECT pg_notify('${OUTBOX_CHANNEL}', '') WHERE EXISTS (SELECT 1 FROM added)`,
    values,
  );
};

interface OutboxRecord {
  id: string;
  resource_type: string;
  resource_id: string;
  version_id: number;
  source_agency: string;
  patient_id: string | null;
  deleted: boolean;
}

const toRow = (r: OutboxRecord): OutboxRow => ({
  id: String(r.id),
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  versionId: r.version_id,
  sourceAgency: r.source_agency,
  patientId: r.patient_id,
  deleted: r.deleted,
});

/** Outbox ids are decimal `bigint`s: compared by length, then as text. */
export const compareIds = (a: string, b: string): number =>
  a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

const COLUMNS = 'id, resource_type, resource_id, version_id, source_agency, patient_id, deleted';

/** Reading and settling outbox rows. */
export class Outbox {
  /** The oldest rows not yet routed: what the worker (re)enqueues after any restart. */
  async unrouted(db: Db, limit: number, afterId = '0'): Promise<OutboxRow[]> {
    const rows: OutboxRecord[] = await db.query(
      `SELECT ${COLUMNS} FROM sync_outbox WHERE routed_at IS NULL AND id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows.map(toRow);
  }

  /**
   * Marks the rows `from`..`through` that still wait as routed and returns them, oldest first.
   * Inside the routing transaction: the rows stay locked until it ends, so a second router given
   * an overlapping range waits, then finds them routed (or, after a rollback, routes them).
   */
  async claim(db: Db, from: string, through: string): Promise<OutboxRow[]> {
    // In a CTE: TypeORM answers a bare UPDATE with [rows, count], a SELECT with its rows.
    const rows: OutboxRecord[] = await db.query(
      `WITH claimed AS (
         UPDATE sync_outbox SET routed_at = now()
          WHERE id >= $1 AND id <= $2 AND routed_at IS NULL
          RETURNING ${COLUMNS})
       SELECT * FROM claimed`,
      [from, through],
    );
    return rows.map(toRow).sort((a, b) => compareIds(a.id, b.id));
  }

  async backlog(db: Db): Promise<number> {
    const rows: { n: string }[] = await db.query(
      'SELECT count(*) AS n FROM sync_outbox WHERE routed_at IS NULL',
    );
    return Number(rows[0]?.n ?? 0);
  }
}
