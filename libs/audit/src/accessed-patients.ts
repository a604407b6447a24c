import { type Db, HUB_AGENCY } from '@passerelle/store';
import { catchUpAuditProjection } from './audit-projection';

/**
 * The patient records agencies accessed in [start, end): successful accesses, not the hub's own.
 * What the periodic access reports are sent for (the mailroom), read from the audit trail's
 * indexed columns (the projection, caught up with the log first: every access committed before
 * the call counts).
 */
export async function patientsAccessedByAgencies(db: Db, start: Date, end: Date): Promise<string[]> {
  await catchUpAuditProjection(db);
  const rows: { patient_id: string }[] = await db.query(
    `SELECT DISTINCT patient_id FROM audit_event
        WHERE recorded >= $1 AND recorded < $2 AND patient_id IS NOT NULL AND agency <> $3 AND outcome = '0'`,
    [start.toISOString(), end.toISOString(), HUB_AGENCY],
  );
  return rows.map((r) => r.patient_id);
}
