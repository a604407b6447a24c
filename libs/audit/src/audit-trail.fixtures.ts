import type { Db } from '@passerelle/store';
import type { DataSource } from 'typeorm';
import type { AuditEvent } from 'fhir/r4';
import { prepareEvent } from './audit-chain';
import { columnsOf } from './audit-columns';
import { buildAuditEvent } from './audit-event.builder';
import type { AuditInput } from './audit.types';

/** For the audit lib's specs: what only a superuser could do to the trail, and older releases' appends. */

/**
 * Empties the trail: log, projection and cursor (the triggers refuse it to anyone but an owner
 * who switches them off, as here).
 */
export async function emptyAuditTrail(ds: DataSource): Promise<void> {
  for (const table of ['audit_log', 'audit_event', 'audit_projection']) {
    await ds.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  }
  try {
    await ds.query('TRUNCATE audit_log, audit_event');
    await ds.query(`UPDATE audit_projection SET through = 0, through_at = '-infinity'`);
  } finally {
    for (const table of ['audit_log', 'audit_event', 'audit_projection'])
      await ds.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  }
}

/** Runs SQL on the trail's tables with their guards off (tampering, as the table owner could). */
export async function asTableOwner(ds: DataSource, statements: readonly string[]): Promise<void> {
  for (const table of ['audit_log', 'audit_event'])
    await ds.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
  try {
    for (const statement of statements) await ds.query(statement);
  } finally {
    for (const table of ['audit_log', 'audit_event'])
      await ds.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
  }
}

/**
 * Appends as a hub before the log (migration 1765750000000) did: `audit_append(columns,
 * canonical)`, the columns computed by the hub. On a database not yet upgraded.
 */
export async function appendAsBefore(db: Db, inputs: readonly AuditInput[], recorded?: Date): Promise<void> {
  const prepared = inputs.map((input) => prepareEvent(buildAuditEvent(input, recorded ? { recorded } : {})));
  const columns = prepared.map((p, i) => ({ i: i + 1, ...p.columns }));
  const lines = prepared.map((p) => p.canonical).join('\n');
  await db.query('SELECT audit_append($1::jsonb, $2::text)', [JSON.stringify(columns), lines]);
}

/**
 * Record n of a varied trail: a read or a search, a success or a denial, by one of three agencies,
 * about patient `p-(n % patients)` (about no patient when n is a multiple of `patients`).
 */
export function variedInput(n: number, extra: Partial<AuditInput> = {}, patients = 5): AuditInput {
  return {
    interaction: n % 2 ? 'read' : 'search-type',
    outcome: n % 3 ? 'success' : 'denied',
    agency: `agency-${n % 3}`,
    clientId: `agency-${n % 3}`,
    purposeOfUse: 'TREAT',
    patientId: n % patients ? `p-${n % patients}` : undefined,
    resourceType: 'Observation',
    requestId: `req-${n}`,
    ...extra,
  };
}

/** The projected columns `audit_event` should hold for `event`, as a row reads back (`recorded` a Date). */
export function projectedRowOf(event: AuditEvent): Record<string, unknown> {
  const c = columnsOf(event);
  return {
    id: c.id,
    recorded: c.recorded,
    patient_id: c.patientId,
    agency: c.agency,
    interaction: c.interaction,
    outcome: c.outcome,
    break_glass: c.breakGlass,
  };
}
