import type { CodeableConcept, Coding, ConsentProvision, ConsentProvisionActor, Period } from 'fhir/r4';
import { normalizeReference, parseDateRange } from '@passerelle/fhir';
import { type Label, labelCovers } from './labels';
import type { DisclosureContext, ResourceFacts } from './types';
import {
  ACT_REASON_SYSTEM,
  AGENCY_ID_SYSTEM,
  AGENCY_KIND_SYSTEM,
  CONSENT_ACTION_SYSTEM,
  DISCLOSURE_ACTIONS,
  PARTICIPATION_TYPE_SYSTEM,
  purposeCovers,
  RECIPIENT_ROLES,
  RESOURCE_TYPES_SYSTEM,
} from './vocabulary';

/**
 * Whether a condition holds for one request. `unknown` is what the hub cannot tell (a clinical
 * code, an actor that is not an agency, data without a date...): a deny then applies, a permit
 * does not. "When in doubt, the deny applies and the permit does not."
 */
export type Match = 'yes' | 'no' | 'unknown';

/** The condition kinds that count for specificity (docs/consent.md, "Precedence"). */
export const CONDITION_KINDS = [
  'actor',
  'purpose',
  'class',
  'code',
  'data',
  'securityLabel',
  'dataPeriod',
  'period',
] as const;
export type ConditionKind = (typeof CONDITION_KINDS)[number];

/** One disclosure being decided, prepared once. */
export interface Request {
  ctx: DisclosureContext;
  facts: ResourceFacts;
  labels: readonly Label[];
  now: number;
}

/** Several conditions that must all hold. */
export function allOf(matches: Iterable<Match>): Match {
  let result: Match = 'yes';
  for (const m of matches) {
    if (m === 'no') return 'no';
    if (m === 'unknown') result = 'unknown';
  }
  return result;
}

/** A list inside one condition (several actors, purposes...): one of them is enough. */
export function anyOf(matches: Iterable<Match>): Match {
  let result: Match = 'no';
  for (const m of matches) {
    if (m === 'yes') return 'yes';
    if (m === 'unknown') result = 'unknown';
  }
  return result;
}

const nonEmpty = <T>(list: readonly T[] | undefined): list is readonly T[] =>
  list !== undefined && list.length > 0;
const bounded = (p: Period | undefined): p is Period => p?.start !== undefined || p?.end !== undefined;

/** The condition kinds this provision itself constrains (not its ancestors). */
export function constrainedKinds(p: ConsentProvision): ConditionKind[] {
  const present: Record<ConditionKind, boolean> = {
    actor: nonEmpty(p.actor),
    purpose: nonEmpty(p.purpose),
    class: nonEmpty(p.class),
    code: nonEmpty(p.code),
    data: nonEmpty(p.data),
    securityLabel: nonEmpty(p.securityLabel),
    dataPeriod: bounded(p.dataPeriod),
    period: bounded(p.period),
  };
  return CONDITION_KINDS.filter((kind) => present[kind]);
}

/** Whether every condition of this one provision holds (its ancestors are checked by the caller). */
export function evaluate(p: ConsentProvision, req: Request): Match {
  const { ctx, facts } = req;
  const checks: Record<ConditionKind, () => Match> = {
    actor: () => anyOf((p.actor ?? []).map((a) => actorMatch(a, ctx))),
    purpose: () => anyOf((p.purpose ?? []).map((c) => purposeMatch(c, ctx.purposeOfUse))),
    class: () => anyOf((p.class ?? []).map((c) => classMatch(c, facts))),
    // The hub does not read clinical codes when it decides.
    code: () => 'unknown',
    data: () =>
      anyOf(
        (p.data ?? []).map((d) => {
          if (d.meaning !== 'instance') return 'unknown';
          const target = d.reference.reference && normalizeReference(d.reference.reference);
          return target ? (target === `${facts.type}/${facts.id}` ? 'yes' : 'no') : 'unknown';
        }),
      ),
    securityLabel: () =>
      (p.securityLabel ?? []).some((named) => req.labels.some((l) => labelCovers(named, l))) ? 'yes' : 'no',
    dataPeriod: () => dataPeriodMatch(p.dataPeriod, facts.dataPeriod),
    period: () => {
      const range = periodRange(p.period);
      if (!range) return 'unknown';
      return range.lo <= req.now && req.now < range.hi ? 'yes' : 'no';
    },
  };
  return allOf([actionMatch(p.action), ...constrainedKinds(p).map((kind) => checks[kind]())]);
}

/**
 * An actor is a recipient (role IRCP or PRCP) named as one agency (`Organization/<id>`, or
 * identifier `urn:passerelle:agency|<id>`) or every agency of a kind
 * (identifier `urn:passerelle:agency-kind|hospital|gp|specialist`).
 */
export function actorMatch(
  actor: ConsentProvisionActor,
  ctx: Pick<DisclosureContext, 'agency' | 'agencyKind'>,
): Match {
  const recipient = (actor.role?.coding ?? []).some(
    (c) => c.system === PARTICIPATION_TYPE_SYSTEM && c.code !== undefined && RECIPIENT_ROLES.has(c.code),
  );
  if (!recipient) return 'unknown';
  const { reference, identifier } = actor.reference ?? {};
  if (reference !== undefined) {
    const target = normalizeReference(reference);
    if (!target?.startsWith('Organization/')) return 'unknown';
    return target === `Organization/${ctx.agency}` ? 'yes' : 'no';
  }
  if (identifier?.system === AGENCY_ID_SYSTEM) return identifier.value === ctx.agency ? 'yes' : 'no';
  if (identifier?.system === AGENCY_KIND_SYSTEM) return identifier.value === ctx.agencyKind ? 'yes' : 'no';
  return 'unknown';
}

function purposeMatch(named: Coding, purpose: string | undefined): Match {
  if (named.system !== ACT_REASON_SYSTEM || named.code === undefined || purpose === undefined)
    return 'unknown';
  return purposeCovers(named.code, purpose) ? 'yes' : 'no';
}

function classMatch(named: Coding, facts: ResourceFacts): Match {
  if (named.system !== RESOURCE_TYPES_SYSTEM || named.code === undefined) return 'unknown';
  return named.code === facts.type ? 'yes' : 'no';
}

/** Actions are not a condition kind: they say whether a provision is about disclosure at all. */
function actionMatch(actions: readonly CodeableConcept[] | undefined): Match {
  if (!nonEmpty(actions)) return 'yes';
  return anyOf(
    actions.flatMap((concept) => {
      const codings = concept.coding ?? [];
      if (codings.length === 0) return ['unknown' as const];
      return codings.map((c): Match => {
        if (c.system !== CONSENT_ACTION_SYSTEM || c.code === undefined) return 'unknown';
        return DISCLOSURE_ACTIONS.has(c.code) ? 'yes' : 'no';
      });
    }),
  );
}

/** The data's whole range inside the period: yes; no overlap: no; partly, or no date: unknown. */
function dataPeriodMatch(period: Period | undefined, data: ResourceFacts['dataPeriod']): Match {
  const range = periodRange(period);
  if (!range || !data) return 'unknown';
  if (data.lo >= range.lo && data.hi <= range.hi) return 'yes';
  if (data.hi <= range.lo || data.lo >= range.hi) return 'no';
  return 'unknown';
}

/** A Period as a half-open range; an open end is infinite; undefined when a date does not parse. */
export function periodRange(period: Period | undefined): { lo: number; hi: number } | undefined {
  const start = period?.start === undefined ? { lo: -Infinity } : parseDateRange(period.start);
  const end = period?.end === undefined ? { hi: Infinity } : parseDateRange(period.end);
  return start && end ? { lo: start.lo, hi: end.hi } : undefined;
}
