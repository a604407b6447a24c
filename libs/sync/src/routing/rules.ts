import { agencyOfReference, type AgencyKind, type DirectoryAgency } from '@passerelle/identity';
import { HUB_AGENCY } from '@passerelle/store';
import type { Communication, Identifier, Patient, Resource, ServiceRequest } from 'fhir/r4';

export type { AgencyKind, DirectoryAgency };
export { agencyOfReference };

/** Why a recipient receives a change: kept on the feed row for operators (never patient data). */
export type RouteRule =
  'gp-of-record' | 'referral-performer' | 'referral-context' | 'subscription' | 'notification';

export interface RoutingRules {
  /** What the patient's GP of record receives from hospitals and specialists. */
  gpReceives: readonly string[];
  /** Source kinds whose data goes to the GP of record. */
  gpReceivesFrom: readonly AgencyKind[];
}

/** The defaults of the issue: hospital and specialist encounters, documents and results go to the GP. */
export const DEFAULT_ROUTING_RULES: RoutingRules = {
  gpReceives: [
    'Encounter',
    'DocumentReference',
    'Composition',
    'DiagnosticReport',
    'Observation',
    'Procedure',
  ],
  gpReceivesFrom: ['hospital', 'specialist'],
};

/** What routing knows about one change. */
export interface RoutingInput {
  resource: Resource;
  sourceAgency: string;
  /** The Patient records of the person the resource is about (all agencies'), current versions. */
  personRecords: readonly { patient: Patient; sourceAgency: string | null }[];
  /** Organizations referenced by those records, by reference string (`Organization/<id>`). */
  organizations: ReadonlyMap<string, readonly Identifier[]>;
  agencies: readonly DirectoryAgency[];
  /** agency id → resource types it subscribed to. */
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Recipient {
  agency: string;
  rule: RouteRule;
}

/**
 * Who should receive one change, and by which rule. Pure: the caller loads the facts, asks
 * consent for each recipient, and writes the feed. The source agency never receives its own data.
 */
export function recipientsOf(input: RoutingInput, rules: RoutingRules = DEFAULT_ROUTING_RULES): Recipient[] {
  const { resource, agencies, organizations } = input;
  const source = agencies.find((a) => a.id === input.sourceAgency);
  const out = new Map<string, RouteRule>();
  const add = (agency: string | undefined, rule: RouteRule) => {
    if (agency && agency !== input.sourceAgency && !out.has(agency)) out.set(agency, rule);
  };

  if (
    source &&
    rules.gpReceivesFrom.includes(source.kind) &&
    rules.gpReceives.includes(resource.resourceType)
  ) {
    for (const { patient } of input.personRecords) {
      for (const ref of patient.generalPractitioner ?? []) {
        add(agencyOfReference(ref, agencies, organizations)?.id, 'gp-of-record');
      }
    }
  }

  if (resource.resourceType === 'ServiceRequest') {
    for (const ref of (resource as ServiceRequest).performer ?? []) {
      add(agencyOfReference(ref, agencies, organizations)?.id, 'referral-performer');
    }
  }

  // A notice the hub sends agencies (e.g. returned mail) goes to the agencies it names.
  if (resource.resourceType === 'Communication' && input.sourceAgency === HUB_AGENCY) {
    for (const ref of (resource as Communication).recipient ?? []) {
      add(agencyOfReference(ref, agencies, organizations)?.id, 'notification');
    }
  }

  const knownBy = new Set(input.personRecords.map((r) => r.sourceAgency));
  for (const [agency, types] of input.subscriptions) {
    if (types.has(resource.resourceType) && knownBy.has(agency)) add(agency, 'subscription');
  }
  return [...out].map(([agency, rule]) => ({ agency, rule }));
}

/** What a referral brings along for its performer: the patient record and what it cites. */
export function referralContext(request: ServiceRequest): string[] {
  const refs = [request.subject, ...(request.reasonReference ?? []), ...(request.supportingInfo ?? [])];
  return refs
    .map((r) => r?.reference)
    .filter((r): r is string => typeof r === 'string' && /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(r));
}
