import { agencyOfReference, type AgencyKind, type DirectoryAgency } from '@passerelle/identity';
import { HUB_AGENCY } from '@passerelle/store';
import type { Communication, Identifier, Patient, Reference, Resource, ServiceRequest } from 'fhir/r4';
import { relativeTarget } from '@passerelle/fhir';

export type { AgencyKind, DirectoryAgency };
export { agencyOfReference };

/**
 * Why a recipient receives a change, kept on the feed row for operators (never patient data):
 * the relation a rule sends along, or the hub's own notices.
 */
export type RouteRule =
  | 'gp-of-record'
  | 'referral-performer'
  | 'referral-context'
  | 'subscription'
  | 'record-holder'
  | 'notification';

/** The ServiceRequest elements whose targets a referral's performer may receive with it. */
export const REFERRAL_CONTEXT_FIELDS = [
  'subject',
  'encounter',
  'reasonReference',
  'supportingInfo',
  'basedOn',
] as const;
export type ReferralContextField = (typeof REFERRAL_CONTEXT_FIELDS)[number];

/** Who a rule sends to. */
export type RuleRecipients =
  /** The agencies named by `Patient.generalPractitioner` of any of the person's records. */
  | { relation: 'gp-of-record' }
  /** The agencies a ServiceRequest names as `performer`, with the targets of `context`, as they are now. */
  | { relation: 'referral-performer'; context: readonly ReferralContextField[] }
  /** Agencies subscribed to the type (admin API or the file), for persons they hold a record of. */
  | { relation: 'subscription' }
  /** Agencies of these kinds or ids, for persons they hold a record of. */
  | { relation: 'record-holder'; kinds: readonly AgencyKind[]; agencies: readonly string[] };

/** One rule of a deployment's routing: which changes, from whom, go to whom. */
export interface RoutingRule {
  /** Unique in the file; named in start-up problems. */
  name: string;
  to: RuleRecipients;
  /** The resource types it sends; undefined: every type (subscriptions say theirs). */
  types?: ReadonlySet<string>;
  /** Source agencies whose changes it sends, by kind or id (either matches); undefined: any source. */
  from?: { kinds: readonly AgencyKind[]; agencies: readonly string[] };
}

/** A deployment's routing: its rules in order (the first to reach an agency names why), and subscriptions. */
export interface RoutingRules {
  rules: readonly RoutingRule[];
  /** Subscriptions the file declares, added to those set through the admin API: agency → types. */
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Where the rules came from (a path, or `default`), for logs and the admin API. */
  source: string;
}

/** What routing knows about one change. */
export interface RoutingInput {
  resource: Resource;
  sourceAgency: string;
  /** The Patient records of the person the resource is about (all agencies'), current versions. */
  personRecords: readonly { patient: Patient; sourceAgency: string | null }[];
  /** Organizations referenced by those records, by reference string (`Organization/<id>`). */
  organizations: ReadonlyMap<string, readonly Identifier[]>;
  agencies: readonly DirectoryAgency[];
  /** agency id → resource types it subscribed to (admin API). */
  subscriptions: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface Recipient {
  agency: string;
  rule: RouteRule;
  /** For a referral's performer: the elements whose targets come along. */
  context?: readonly ReferralContextField[];
}

function fromMatches(rule: RoutingRule, input: RoutingInput): boolean {
  if (rule.from === undefined) return true;
  const source = input.agencies.find((a) => a.id === input.sourceAgency);
  return (
    rule.from.agencies.includes(input.sourceAgency) ||
    (source !== undefined && rule.from.kinds.includes(source.kind))
  );
}

/**
 * Who should receive one change, and by which rule. Pure: the caller loads the facts, asks
 * consent for each recipient, and writes the feed. The source agency never receives its own data.
 * The hub's own notices (a Communication the hub writes) go to the agencies they name whatever
 * the rules; then each rule in order adds its recipients, the first to reach an agency naming why.
 */
export function recipientsOf(input: RoutingInput, rules: RoutingRules): Recipient[] {
  const { resource, agencies, organizations } = input;
  const out = new Map<string, Recipient>();
  const add = (agency: string | undefined, recipient: Omit<Recipient, 'agency'>) => {
    if (agency && agency !== input.sourceAgency && !out.has(agency))
      out.set(agency, { agency, ...recipient });
  };
  const named = (refs: readonly Reference[] | undefined) =>
    (refs ?? []).map((ref) => agencyOfReference(ref, agencies, organizations)?.id);

  if (resource.resourceType === 'Communication' && input.sourceAgency === HUB_AGENCY) {
    for (const agency of named((resource as Communication).recipient)) add(agency, { rule: 'notification' });
  }

  const knownBy = new Set(input.personRecords.map((r) => r.sourceAgency));
  for (const rule of rules.rules) {
    if (rule.types !== undefined && !rule.types.has(resource.resourceType)) continue;
    if (!fromMatches(rule, input)) continue;
    const to = rule.to;
    switch (to.relation) {
      case 'gp-of-record':
        for (const { patient } of input.personRecords)
          for (const agency of named(patient.generalPractitioner)) add(agency, { rule: 'gp-of-record' });
        break;
      case 'referral-performer':
        if (resource.resourceType !== 'ServiceRequest') break;
        for (const agency of named((resource as ServiceRequest).performer))
          add(agency, { rule: 'referral-performer', context: to.context });
        break;
      case 'subscription':
        for (const [agency, types] of subscribers(input.subscriptions, rules.subscriptions))
          if (types.has(resource.resourceType) && knownBy.has(agency)) add(agency, { rule: 'subscription' });
        break;
      case 'record-holder':
        for (const agency of agencies)
          if ((to.agencies.includes(agency.id) || to.kinds.includes(agency.kind)) && knownBy.has(agency.id))
            add(agency.id, { rule: 'record-holder' });
        break;
    }
  }
  return [...out.values()];
}

/** The admin API's subscriptions, then the file's, each agency's types merged. */
function* subscribers(
  stored: ReadonlyMap<string, ReadonlySet<string>>,
  declared: ReadonlyMap<string, ReadonlySet<string>>,
): Iterable<[string, ReadonlySet<string>]> {
  for (const [agency, types] of stored) {
    const more = declared.get(agency);
    yield [agency, more === undefined ? types : new Set([...types, ...more])];
  }
  for (const [agency, types] of declared) if (!stored.has(agency)) yield [agency, types];
}

/** What a referral brings along for its performer: the targets of `fields` (the patient record and what it cites). */
export function referralContext(
  request: ServiceRequest,
  fields: readonly ReferralContextField[] = ['subject', 'reasonReference', 'supportingInfo'],
): string[] {
  const refs = fields.flatMap((field): (Reference | undefined)[] => {
    const value = request[field];
    return Array.isArray(value) ? value : [value];
  });
  return refs
    .map((r) => r?.reference)
    .filter((r): r is string => typeof r === 'string' && relativeTarget(r) !== undefined);
}
