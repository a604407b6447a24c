import { agencyOfReference, type AgencyKind, type DirectoryAgency } from '@passerelle/identity';
import { HUB_AGENCY } from '@passerelle/store';
import type { Communication, ServiceRequest } from 'fhir/r4';
import { relativeTarget } from '@passerelle/fhir';
import type { RoutingInput } from './rules';

/**
 * Routing as it was when its rules were a constant in code (`DEFAULT_ROUTING_RULES` and
 * `recipientsOf` of rules.ts before rules became a file), kept verbatim so a spec can hold the
 * default file to the same answers. Tests only.
 */
export const LEGACY_ROUTING_RULES: { gpReceives: readonly string[]; gpReceivesFrom: readonly AgencyKind[] } =
  {
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

type LegacyRule =
  'gp-of-record' | 'referral-performer' | 'referral-context' | 'subscription' | 'notification';

export function legacyRecipientsOf(
  input: RoutingInput,
  rules = LEGACY_ROUTING_RULES,
): { agency: string; rule: LegacyRule }[] {
  const { resource, agencies, organizations } = input;
  const source: DirectoryAgency | undefined = agencies.find((a) => a.id === input.sourceAgency);
  const out = new Map<string, LegacyRule>();
  const add = (agency: string | undefined, rule: LegacyRule) => {
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

/** The old referral context: subject, reasonReference and supportingInfo, literal references only. */
export function legacyReferralContext(request: ServiceRequest): string[] {
  const refs = [request.subject, ...(request.reasonReference ?? []), ...(request.supportingInfo ?? [])];
  return refs
    .map((r) => r?.reference)
    .filter((r): r is string => typeof r === 'string' && relativeTarget(r) !== undefined);
}
