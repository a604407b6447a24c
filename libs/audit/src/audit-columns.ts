import type { AuditEvent } from 'fhir/r4';
import { BREAK_GLASS_EXTENSION, CLIENT_ROLE, PATIENT_ROLE, SYSTEMS } from './audit-codes';

/**
 * The indexed columns of an audit row, always derived from its content: the writer fills them
 * with this function and the verifier re-derives them, so editing a column alone (to hide a
 * row from a patient's access report, say) is caught like editing the content.
 */
export interface AuditColumns {
  id: string;
  recorded: Date;
  patientId: string | null;
  agency: string | null;
  interaction: string;
  outcome: string;
  breakGlass: boolean;
}

const PATIENT = /^Patient\/(.+)$/;
const ORGANIZATION = /^Organization\/(.+)$/;

export function columnsOf(event: AuditEvent): AuditColumns {
  const patientRef = event.entity?.find(
    (e) => e.role?.code === PATIENT_ROLE.code && e.role?.system === PATIENT_ROLE.system,
  )?.what?.reference;
  const client = event.agent.find((a) => a.type?.coding?.some((c) => c.code === CLIENT_ROLE.code));
  return {
    id: event.id ?? '',
    recorded: new Date(event.recorded),
    patientId: (patientRef && PATIENT.exec(patientRef)?.[1]) || null,
    agency: (client?.who?.reference && ORGANIZATION.exec(client.who.reference)?.[1]) || null,
    interaction: event.subtype?.find((c) => c.system === SYSTEMS.interaction)?.code ?? '',
    outcome: event.outcome ?? '',
    breakGlass: event.extension?.some((x) => x.url === BREAK_GLASS_EXTENSION) ?? false,
  };
}
