import type { AuditEvent } from 'fhir/r4';
import type { Db } from '@passerelle/store';
import { columnsOf } from './audit-columns';
import { canonicalJsonOf } from './canonical-json';

/**
 * Key of the transaction-scoped advisory lock that serialises every append to the chain, across
 * all hub and worker processes sharing the database. Held until COMMIT or ROLLBACK. The SQL
 * functions `audit_append` (migration 1764461000000) and `audit_log_append` (1765750000000)
 * take it with this same number.
 */
export const AUDIT_CHAIN_LOCK = 7_020_412;

/** An event with everything that does not depend on its place in the chain already computed. */
export interface PreparedEvent {
  id: string;
  /** `canonicalJson(event)`: what the hash covers and what is stored, serialised once (one line). */
  canonical: string;
  /** Its searchable columns (`columnsOf`), as `audit_log_append` takes them: stored beside it for the projection. */
  columns: LogColumns;
}

/** A record's searchable columns as the log stores them (migration 1765900000000). */
interface LogColumns {
  id: string;
  recorded: string;
  patient_id: string | null;
  agency: string | null;
  interaction: string;
  outcome: string;
  break_glass: boolean;
}

export function prepareEvent(event: AuditEvent): PreparedEvent {
  const canonical = canonicalJsonOf(event);
  // appendToChain sends a batch as lines: JSON.stringify escapes every newline, so never thrown.
  if (canonical.includes('\n')) throw new Error('Canonical JSON holds a raw newline');
  const c = columnsOf(event);
  const columns: LogColumns = {
    id: c.id,
    recorded: c.recorded.toISOString(),
    patient_id: c.patientId,
    agency: c.agency,
    interaction: c.interaction,
    outcome: c.outcome,
    break_glass: c.breakGlass,
  };
  return { id: event.id ?? '', canonical, columns };
}

/**
 * Appends events to the chain in one statement: `audit_log_append` (migrations 1765750000000 and
 * 1765900000000) takes the chain lock, reads the log's head, numbers and links the events after
 * it and inserts them into `audit_log`: seq, hashes, the canonical text and, unindexed, the
 * searchable columns the projection copies (it checks none of them: the verifier compares the
 * projection with the content). On `db` outside a
 * transaction the statement is its own transaction: it returns once committed (one round trip,
 * the group commit of AuditWriter). Inside a transaction the lock lasts until that transaction
 * ends. Returns the `seq` of the last event appended. Their indexes are the projection's
 * (`audit_event`, AuditProjector), built from the log after the fact.
 *
 * The head is read by a statement that starts after the lock is granted, so under READ COMMITTED
 * (required by the function) it sees the previous holder's committed rows.
 */
export async function appendToChain(db: Db, events: readonly PreparedEvent[]): Promise<number> {
  if (events.length === 0) return 0;
  // A named statement (node-postgres config, which TypeORM hands through): planned once per
  // connection. The canonical texts go as one text, a line each (migration 1764470000000).
  const statement = {
    name: 'audit_log_append_columns',
    text: 'SELECT audit_log_append($1::text, $2::jsonb) AS last',
  };
  const lines = events.map((e) => e.canonical).join('\n');
  const columns = JSON.stringify(events.map((e, k) => ({ i: k + 1, ...e.columns })));
  const rows: { last: string }[] = await db.query(statement as unknown as string, [lines, columns]);
  return Number(rows[0]?.last ?? 0);
}
