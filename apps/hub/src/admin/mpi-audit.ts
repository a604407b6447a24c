import { randomUUID } from 'node:crypto';
import type { AuditEvent } from 'fhir/r4';
import type { LinkChange } from '@passerelle/identity';
import type { Actor, Db, FhirRepository } from '@passerelle/store';

/**
 * Records each patient-index change an operator makes as an AuditEvent, in the same transaction
 * as the change. (The hash-chained audit trail of the consent and audit issue will take these over.)
 */
export async function auditLinkChanges(
  repo: FhirRepository,
  db: Db,
  changes: LinkChange[],
  requestId: string,
): Promise<void> {
  const actor: Actor = { agency: 'hub', requestId };
  const recorded = new Date().toISOString();
  const pending = [];
  for (const change of changes) {
    const event: AuditEvent = {
      resourceType: 'AuditEvent',
      type: {
        system: 'http://dicom.nema.org/resources/ontology/DCM',
        code: '110110',
        display: 'Patient Record',
      },
      subtype: [{ system: 'urn:passerelle:audit', code: `mpi-${change.action}` }],
      action: 'U',
      recorded,
      outcome: '0',
      agent: [{ who: { display: change.operator }, requestor: true, type: { text: 'operator' } }],
      source: { observer: { display: 'Passerelle hub' } },
      entity: [
        {
          what: { reference: `Patient/${change.patientId}` },
          detail: [
            { type: 'from-person', valueString: change.fromPerson ?? 'none' },
            { type: 'to-person', valueString: change.toPerson ?? 'none' },
            { type: 'request-id', valueString: requestId },
          ],
        },
      ],
    };
    pending.push(await repo.prepareWrite(db, actor, 'AuditEvent', randomUUID(), event, { isCreate: true }));
  }
  await repo.commitAll(db, actor, pending);
}
