import type { Actor, ReferenceCheck } from '@passerelle/store';
import { decisionWithoutConsents } from '../decide';
import { factsOf } from '../facts';
import type { AgencyKind, DisclosureContext } from '../types';
import type { ConsentDecider } from './consent-scoped-repository';

const AGENCY_KINDS: readonly string[] = ['hospital', 'gp', 'specialist'] satisfies AgencyKind[];

/**
 * The writer as the consent engine's caller: its agency, kind and the purpose of use its token
 * carries. Never break-glass: a reference is not an emergency read, nothing would be disclosed
 * that the patient could be told of, so a write may name only what the normal rules let the
 * writer see. Undefined when the actor has no purpose of use (or no token).
 */
function writerContext(actor: Actor): DisclosureContext | undefined {
  const access = actor.access;
  if (!access?.purposeOfUse || !AGENCY_KINDS.includes(access.agencyKind)) return undefined;
  return {
    agency: actor.agency,
    agencyKind: access.agencyKind as AgencyKind,
    purposeOfUse: access.purposeOfUse,
  };
}

/**
 * The store's reference check for the hub's writes: a target resolves when the consent engine
 * would let the writer read it, with the writer as the caller and its token's purpose of use —
 * the same decider, the same rules as its reads (its own data, directory data, another agency's
 * data only with a care relationship and the patient's consent). A write without a purpose of
 * use resolves only what needs none: its own data and directory data. All targets of a write
 * are decided in one call (one consent lookup for all the patients it needs).
 */
export function writerMaySee(decider: ConsentDecider): ReferenceCheck {
  return async (db, actor, targets) => {
    const facts = targets.map((t) => factsOf(t));
    const ctx = writerContext(actor);
    if (!ctx) return facts.map((f) => decisionWithoutConsents({ agency: actor.agency }, f)?.permit === true);
    const decisions = await decider.decideAll(db, ctx, facts);
    return decisions.map((d) => d.permit);
  };
}
