import type { Coding } from 'fhir/r4';
import type { AuditAction, AuditOutcome, AuditOutcomeCode, RestfulInteraction } from './audit.types';

/**
 * Code systems and codes of IHE Basic Audit Log Patterns (BALP) and FHIR R4 that the trail uses.
 * Objects put into events list their keys in canonical order (see `canonicalJsonOf`).
 */
export const SYSTEMS = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  interaction: 'http://hl7.org/fhir/restful-interaction',
  operation: 'urn:passerelle:audit:operation',
  passerelle: 'urn:passerelle:audit',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  securityRole: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  balpEntityType: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType',
  agencyKind: 'urn:passerelle:agency-kind',
} as const;

/** Extension carrying the break-glass reason (AuditEvent R4 has no severity). */
export const BREAK_GLASS_EXTENSION = 'urn:passerelle:audit:break-glass';
/** Subtype added to break-glass events, so `AuditEvent?subtype=break-glass` finds them. */
export const BREAK_GLASS_SUBTYPE: Coding = {
  code: 'break-glass',
  display: 'Break-glass access',
  system: SYSTEMS.passerelle,
};
export const BREAK_GLASS_LABEL: Coding = {
  code: 'BTG',
  display: 'break the glass',
  system: SYSTEMS.actReason,
};

export const REST_TYPE: Coding = { code: 'rest', display: 'RESTful Operation', system: SYSTEMS.eventType };
export const CLIENT_ROLE: Coding = { code: '110153', display: 'Source Role ID', system: SYSTEMS.dicom };
export const SERVER_ROLE: Coding = { code: '110152', display: 'Destination Role ID', system: SYSTEMS.dicom };
export const HUMAN_USER: Coding = { code: 'humanuser', display: 'human user', system: SYSTEMS.securityRole };
export const APPLICATION_SERVER: Coding = {
  code: '4',
  display: 'Application Server',
  system: SYSTEMS.sourceType,
};
export const PERSON_ENTITY: Coding = { code: '1', display: 'Person', system: SYSTEMS.entityType };
export const OBJECT_ENTITY: Coding = { code: '2', display: 'System Object', system: SYSTEMS.entityType };
export const PATIENT_ROLE: Coding = { code: '1', display: 'Patient', system: SYSTEMS.objectRole };
export const RESOURCE_ROLE: Coding = { code: '4', display: 'Domain Resource', system: SYSTEMS.objectRole };
export const QUERY_ROLE: Coding = { code: '24', display: 'Query', system: SYSTEMS.objectRole };
export const REQUEST_ID_ENTITY: Coding = {
  code: 'XrequestId',
  display: 'transport specific unique identifier where http X-Request-Id is used',
  system: SYSTEMS.balpEntityType,
};

/** The hub itself: the server agent and the observer of every event. */
export const HUB_IDENTIFIER = { system: 'urn:passerelle', value: 'hub' } as const;
export const HUB_DISPLAY = 'Passerelle hub';

export const OUTCOME_CODES: Record<AuditOutcome, AuditOutcomeCode> = {
  success: '0',
  denied: '4',
  'not-found': '4',
  error: '8',
};

export const DEFAULT_OUTCOME_DESC: Record<AuditOutcome, string | undefined> = {
  success: undefined,
  denied: 'Access denied',
  'not-found': 'Not found',
  error: 'Processing error',
};

/** BALP: reads are R, searches, histories over types and operations E (execute a query). */
export function defaultAction(interaction: RestfulInteraction): AuditAction {
  switch (interaction) {
    case 'create':
      return 'C';
    case 'read':
    case 'vread':
    case 'history':
    case 'history-instance':
    case 'capabilities':
      return 'R';
    case 'update':
    case 'patch':
      return 'U';
    case 'delete':
      return 'D';
    case 'history-type':
    case 'history-system':
    case 'search':
    case 'search-type':
    case 'search-system':
    case 'transaction':
    case 'batch':
    case 'operation':
      return 'E';
  }
}
