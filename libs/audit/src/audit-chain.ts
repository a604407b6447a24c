import type { AuditEvent } from 'fhir/r4';
import type { Db } from '@passerelle/store';
import { type AuditColumns, columnsOf } from './audit-columns';
import { canonicalJsonOf } from './canonical-json';

/**
 * Key of the transaction-scoped advisory lock that serialises every append to the chain, across
 * all hub and worker processes sharing the database. Held until COMMIT or ROLLBACK. The SQL
 * function `audit_append` (migration 1764461000000) takes it with this same number.
 */
export const AUDIT_CHAIN_LOCK = 7_020_412;

/** An event with everything that does not depend on its place in the chain already computed. */
export interface PreparedEvent {
  event: AuditEvent;
  columns: AuditColumns;
  /** `canonicalJson(event)`: what the hash covers and what is stored, serialised once (one line). */
  canonical: string;
}

export function prepareEvent(event: AuditEvent): PreparedEvent {
  const canonical = canonicalJsonOf(event);
  // appendToChain sends a batch as lines: JSON.stringify escapes every newline, so never thrown.
  if (canonical.includes('\n')) throw new Error('Canonical JSON holds a raw newline');
  return { event, columns: columnsOf(event), canonical };
}

/**
 * Appends events to the chain in one statement: `audit_append` takes the chain lock, reads the
 * head, numbers and links the events after it and inserts them. On `db` outside a transaction
 * the statement is its own transaction: it returns once committed (one round trip, the group
 * commit of AuditWriter). Inside a transaction the lock lasts until that transaction ends.
 *
 * The head is read by a statement that starts after the lock is granted, so under READ COMMITTED
 * (the default) it sees the previous holder's committed rows. A stale head (e.g. a REPEATABLE
 * READ transaction) cannot fork the chain: the duplicate `seq` fails the primary key.
 */
export async function appendToChain(db: Db, events: readonly PreparedEvent[]): Promise<void> {
  if (events.length === 0) return;
  const columns = events.map(({ columns: c }, i) => ({
    i: i + 1,
    id: c.id,
    recorded: c.recorded.toISOString(),
    patient_id: c.patientId,
    agency: c.agency,
    interaction: c.interaction,
    outcome: c.outcome,
    break_glass: c.breakGlass,
  }));
  // A named statement (node-postgres config, which TypeORM hands through): planned once per
  // connection. The canonical texts go as one text, a line each (migration 1764470000000).
  const statement = { name: 'audit_append_lines', text: 'SELECT audit_append($1::jsonb, $2::text)' };
  const lines = events.map((e) => e.canonical).join('\n');
  await db.query(statement as unknown as string, [JSON.stringify(columns), lines]);
}
