/** The FHIR RESTful interactions (http://hl7.org/fhir/restful-interaction) an AuditEvent names. */
export const RESTFUL_INTERACTIONS = [
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history',
  'history-instance',
  'history-type',
  'history-system',
  'create',
  'search',
  'search-type',
  'search-system',
  'capabilities',
  'transaction',
  'batch',
  'operation',
] as const;
export type RestfulInteraction = (typeof RESTFUL_INTERACTIONS)[number];

/** AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/**
 * What happened. `denied` and `not-found` are both '4' (minor failure); record `denied` when
 * consent refused, even though the caller was answered 404: the trail holds the truth.
 */
export type AuditOutcome = 'success' | 'denied' | 'not-found' | 'error';

/** AuditEvent.outcome codes (http://hl7.org/fhir/audit-event-outcome). */
export type AuditOutcomeCode = '0' | '4' | '8' | '12';

/** One interaction touching at most one patient: the FHIR layer records one per patient touched. */
export interface AuditInput {
  interaction: RestfulInteraction;
  /** For `operation`: its name, e.g. `$everything`. */
  operation?: string;
  /** Defaults from the interaction (reads R, searches and operations E, writes C/U/D). */
  action?: AuditAction;
  outcome: AuditOutcome;
  /**
   * A short fixed phrase or code (e.g. a consent decision basis such as `consent-deny`), never
   * patient data and never an exception message. Defaults from the outcome.
   */
  outcomeDesc?: string;
  /** The requesting agency (= its Organization id); `hub` for the hub's own operators. */
  agency: string;
  agencyKind?: string;
  /** The OAuth client id the agency authenticated with. */
  clientId: string;
  /** The acting practitioner: a reference (`Practitioner/123`) or the agency's identifier for them. */
  practitioner?: string;
  /** v3 ActReason from the access token (TREAT, ETREAT, ...). */
  purposeOfUse?: string;
  /** Set only when the disclosure relied on break-glass (the consent decision said so). */
  breakGlassReason?: string;
  /** The Patient record touched, if any (one event per patient). */
  patientId?: string;
  /** The resource type the interaction was on. */
  resourceType?: string;
  /** The resource id for instance-level interactions (what was asked for, never search results). */
  resourceId?: string;
  /** The raw query string of a search or operation, without the leading `?`. */
  query?: string;
  /** X-Request-Id, so an audit record can be matched with the logs. */
  requestId: string;
  /** Extra non-patient facts as name/value pairs (e.g. an operator's from/to person ids). */
  details?: { type: string; value: string }[];
}
