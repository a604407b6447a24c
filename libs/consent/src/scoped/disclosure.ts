import type { SupportedType } from '@passerelle/fhir';
import type { Db } from '@passerelle/store';

/** The FHIR interactions that are audited (http://hl7.org/fhir/restful-interaction). */
export type Interaction =
  | 'read'
  | 'vread'
  | 'search-type'
  | 'history-instance'
  | 'history-type'
  | 'create'
  | 'update'
  | 'delete'
  | 'transaction'
  | 'batch'
  | 'operation';

/** One audited access to one patient's data (or to no patient's, e.g. an empty search). */
export interface DisclosureRecord {
  interaction: Interaction;
  operation?: string;
  outcome: 'success' | 'denied';
  patientId?: string;
  resourceType?: SupportedType;
  /** The query string as received: the audit records what was asked, never what was returned. */
  query?: string;
  breakGlass: boolean;
}

/** Writes the audit trail; resolves only when the records are committed. */
export interface DisclosureAuditor {
  record(records: DisclosureRecord[]): Promise<void>;
  /** Appends the records inside the caller's transaction `db`: they commit or roll back with it. */
  recordIn(db: Db, records: DisclosureRecord[]): Promise<void>;
}

/** A patient must be told of a break-glass access (by letter when they have no online account). */
export interface BreakGlassNotice {
  patientId: string;
  agency: string;
  practitioner?: string;
  reason: string;
  requestId: string;
}

export interface PatientNotifier {
  breakGlass(notices: BreakGlassNotice[]): Promise<void>;
}
