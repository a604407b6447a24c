import type { AuditWriter } from '@passerelle/audit';
import type { LinkChange } from '@passerelle/identity';
import { type Db, HUB_AGENCY } from '@passerelle/store';

/** Each patient-index change an operator makes joins the audit trail in the same transaction. */
export async function auditLinkChanges(
  writer: AuditWriter,
  db: Db,
  changes: LinkChange[],
  requestId: string,
  /** Who made it (the admin API, or the identity review page) and the reviewer's reason code. */
  options: { clientId?: string; reason?: string } = {},
): Promise<void> {
  await writer.recordIn(
    db,
    changes.map((change) => ({
      interaction: 'operation' as const,
      operation: `mpi-${change.action}`,
      action: 'U' as const,
      outcome: 'success' as const,
      agency: HUB_AGENCY,
      clientId: options.clientId ?? 'admin-api',
      practitioner: change.operator,
      patientId: change.patientId,
      resourceType: 'Patient',
      requestId,
      details: [
        { type: 'from-person', value: change.fromPerson ?? 'none' },
        { type: 'to-person', value: change.toPerson ?? 'none' },
        ...(options.reason ? [{ type: 'reason', value: options.reason }] : []),
      ],
    })),
  );
}
