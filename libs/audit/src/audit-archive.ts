import type { Db } from '@passerelle/store';

/**
 * The newest archived month's end (`audit_archive`, migration 1765640000000): the chain kept in
 * the database starts after `lastSeq`, its first record linking to `lastHash`. Undefined while no
 * month has been detached, or on a database not yet upgraded to partitions (a newer `audit verify`
 * run before `migrate run`).
 */
export async function archiveAnchor(db: Db): Promise<{ lastSeq: number; lastHash: string } | undefined> {
  const [{ present }]: { present: boolean }[] = await db.query(
    `SELECT to_regclass('audit_archive') IS NOT NULL AS present`,
  );
  if (!present) return undefined;
  const rows: { last_seq: string; last_hash: string }[] = await db.query(
    'SELECT last_seq, last_hash FROM audit_archive ORDER BY last_seq DESC, month DESC LIMIT 1',
  );
  return rows[0] ? { lastSeq: Number(rows[0].last_seq), lastHash: rows[0].last_hash } : undefined;
}
