import type { AuditEvent } from 'fhir/r4';
import type { Db } from '@passerelle/store';
import { type AuditColumns, columnsOf } from './audit-columns';
import { canonicalJson, GENESIS_HASH, linkHash } from './canonical-json';

/**
 * Key of the transaction-scoped advisory lock that serialises every append to the chain, across
 * all hub and worker processes sharing the database. Held until COMMIT or ROLLBACK.
 */
export const AUDIT_CHAIN_LOCK = 7_020_412;

/** An event with everything that does not depend on its place in the chain already computed. */
export interface PreparedEvent {
  event: AuditEvent;
  columns: AuditColumns;
  /** `canonicalJson(event)`: the costly part of hashing, done before the lock is taken. */
  canonical: string;
}

export function prepareEvent(event: AuditEvent): PreparedEvent {
  return { event, columns: columnsOf(event), canonical: canonicalJson(event) };
}

/**
 * Appends events to the chain inside the caller's transaction: takes the chain lock, reads the
 * head, numbers and hashes each event after it, and writes them in one INSERT.
 *
 * The head is read by a statement that starts after the lock is granted, so under READ COMMITTED
 * (the default) it sees the previous holder's committed rows. A stale head (e.g. a REPEATABLE
 * READ transaction) cannot fork the chain: the duplicate `seq` fails the primary key.
 */
export async function appendToChain(db: Db, events: readonly PreparedEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (!db.queryRunner?.isTransactionActive)
    throw new Error('Audit records are appended inside a transaction (the chain lock lasts until COMMIT)');
  await db.query('SELECT pg_advisory_xact_lock($1)', [AUDIT_CHAIN_LOCK]);
  const head: { seq: string; hash: string }[] = await db.query(
    'SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1',
  );
  let seq = head[0] ? Number(head[0].seq) : 0;
  let prev = head[0]?.hash ?? GENESIS_HASH;
  const rows = events.map(({ event, columns: c, canonical }) => {
    const hash = linkHash(prev, canonical);
    const row = {
      seq: ++seq,
      id: c.id,
      recorded: c.recorded.toISOString(),
      patient_id: c.patientId,
      agency: c.agency,
      interaction: c.interaction,
      outcome: c.outcome,
      break_glass: c.breakGlass,
      content: event,
      hash,
      prev_hash: prev,
    };
    prev = hash;
    return row;
  });
  // One statement and one parameter whatever the batch size (measured faster than unnest arrays).
  await db.query(
    `INSERT INTO audit_event
       (seq, id, recorded, patient_id, agency, interaction, outcome, break_glass, content, hash, prev_hash)
     SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
       seq bigint, id text, recorded timestamptz, patient_id text, agency text, interaction text,
       outcome text, break_glass boolean, content jsonb, hash text, prev_hash text)`,
    [JSON.stringify(rows)],
  );
}
