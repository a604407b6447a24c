/**
 * The audit trail's searchable table (`audit_event`) is a projection of the log, built a moment
 * after each record commits (docs/audit.md). A spec that reads `audit_event` straight after the
 * requests it made projects the log first, as `AuditQueries` does before every read: after this,
 * every record committed before the call is there. One statement; waits for a projecting hub.
 */
export async function auditCaughtUp(db: { query(sql: string): Promise<unknown> }): Promise<void> {
  await db.query('SELECT audit_project(1000000, true)');
}
