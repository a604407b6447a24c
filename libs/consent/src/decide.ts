import { SENDER_ONLY_TYPES } from '@passerelle/fhir';
import type { Request } from './conditions';
import { effectiveLabels, sensitiveLabels } from './labels';
import { applicableRules, inForce, namesLabel, strongest } from './provisions';
import type {
  ConsentPolicy,
  Decision,
  DecisionBasis,
  DisclosureContext,
  PatientConsents,
  ResourceFacts,
} from './types';
import { DIRECT_CARE_PURPOSES } from './vocabulary';

const permit = (basis: DecisionBasis): Decision => ({ permit: true, breakGlass: false, basis });
const deny = (basis: DecisionBasis): Decision => ({ permit: false, basis });

/**
 * May `ctx.agency` see this resource? The rules of docs/consent.md, in its order:
 * 0. own data, directory data (but a sender-only type's: SENDER_ONLY_TYPES) and a missing purpose
 *    are decided without consents;
 * 1. another agency's data about a person only with a care relationship with that person;
 * 2. the patient's consents in force, by precedence, else the base model;
 * 3. sensitive data needs a permit naming each of its sensitive labels;
 * 4. break-glass turns a deny into a permit where the deployment allows it.
 * Pure: the same inputs always give the same decision, whatever the order of consents.
 */
export function decide(
  ctx: DisclosureContext,
  facts: ResourceFacts,
  consents: PatientConsents,
  policy: ConsentPolicy,
  now: Date,
): Decision {
  const early = decisionWithoutConsents(ctx, facts);
  if (early) return early;
  const decision =
    relationshipDecision(ctx, facts, consents) ?? consentDecision(ctx, facts, consents, policy, now);
  if (!decision.permit && breakGlassApplies(ctx, policy))
    return { permit: true, breakGlass: true, basis: 'break-glass' };
  return decision;
}

/** Rule 0: what is decided before reading any consent (so callers need not load them). */
export function decisionWithoutConsents(
  ctx: Pick<DisclosureContext, 'agency' | 'purposeOfUse'>,
  facts: ResourceFacts,
): Decision | undefined {
  if (facts.sourceAgency === ctx.agency) return permit('own-data');
  if (facts.patientId === null)
    return SENDER_ONLY_TYPES.includes(facts.type) ? deny('sender-only') : permit('directory');
  if (!ctx.purposeOfUse) return deny('no-purpose');
  return undefined;
}

/**
 * Rule 1: no care relationship with the person, nothing of theirs from other agencies — under
 * either consent model, whatever the consents say (a permit cannot create a relationship).
 */
function relationshipDecision(
  ctx: DisclosureContext,
  facts: ResourceFacts,
  consents: PatientConsents,
): Decision | undefined {
  if (facts.patientId === null || !consents.patientIds.includes(facts.patientId))
    throw new Error('The consents given were not read for the patient of this resource');
  return consents.careAgencies.includes(ctx.agency) ? undefined : deny('no-care-relationship');
}

/** Rules 2 and 3. */
function consentDecision(
  ctx: DisclosureContext,
  facts: ResourceFacts,
  consents: PatientConsents,
  policy: ConsentPolicy,
  now: Date,
): Decision {
  if (facts.patientId === null || !consents.patientIds.includes(facts.patientId))
    throw new Error('The consents given were not read for the patient of this resource');
  const request: Request = { ctx, facts, labels: effectiveLabels(facts.securityLabels), now: now.getTime() };
  const rules = applicableRules(inForce(consents), request);
  // 2. The most specific applicable provisions (deny on a tie), else the base model.
  const winner = strongest(rules);
  const normal = winner ? consentRule(winner) : baseDecision(policy, ctx.purposeOfUse);
  if (!normal.permit) return normal;
  // 3. Each sensitive label must be named by an applicable permit; the base model names none.
  const permits = rules.filter((r) => r.type === 'permit');
  const unnamed = sensitiveLabels(request.labels).filter((l) => !permits.some((r) => namesLabel(r, l)));
  return unnamed.length > 0 ? deny('sensitive-needs-permit') : normal;
}

const consentRule = (type: 'permit' | 'deny'): Decision =>
  type === 'permit' ? permit('consent-permit') : deny('consent-deny');

/** When no provision applies: `implied` shares for direct care only, `explicit` shares nothing. */
function baseDecision(policy: ConsentPolicy, purpose: string | undefined): Decision {
  switch (policy.model) {
    case 'implied':
      return purpose !== undefined && DIRECT_CARE_PURPOSES.has(purpose)
        ? permit('base-implied')
        : deny('base-implied');
    case 'explicit':
      return deny('base-explicit');
  }
}

/** Rule 4: emergency treatment with a stated reason, in a deployment that allows break-glass. */
function breakGlassApplies(ctx: DisclosureContext, policy: ConsentPolicy): boolean {
  return policy.breakGlass === 'allowed' && ctx.purposeOfUse === 'ETREAT' && !!ctx.breakGlassReason?.trim();
}
