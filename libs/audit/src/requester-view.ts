import type { AuditEvent } from 'fhir/r4';
import { PATIENT_ROLE, RESOURCE_ROLE } from './audit-codes';

/**
 * An AuditEvent as the agency that made the request may see it. A denial names what the caller
 * itself asked for (the interaction, the type, its query), never what the hub found and held
 * back: the patient and the resource are left out, so reading one's own audit trail cannot tell
 * that hidden data exists. Successful accesses are shown whole.
 */
export function requesterView(event: AuditEvent): AuditEvent {
  if (event.outcome === undefined || event.outcome === '0') return event;
  const entity = (event.entity ?? []).flatMap((e) => {
    if (e.role?.system === PATIENT_ROLE.system && e.role?.code === PATIENT_ROLE.code) return [];
    if (e.role?.system === RESOURCE_ROLE.system && e.role?.code === RESOURCE_ROLE.code)
      return e.what?.type === undefined ? [] : [{ ...e, what: { type: e.what.type } }];
    return [e];
  });
  return { ...event, entity };
}
