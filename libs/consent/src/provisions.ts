import type { Consent, ConsentProvision } from 'fhir/r4';
import { normalizeReference } from '@passerelle/fhir';
import { allOf, type ConditionKind, constrainedKinds, evaluate, type Request } from './conditions';
import { type Label, labelCovers } from './labels';
import { isPrivacyConsent } from './privacy-consent';
import type { PatientConsents } from './types';

/** A provision that applies to the request, with the provisions above it. */
export interface Rule {
  type: 'permit' | 'deny';
  /** How many condition kinds the provision and its ancestors constrain together (0 to 8). */
  specificity: number;
  /** The root provision first, this provision last. */
  chain: readonly ConsentProvision[];
}

/** The consents that speak for this person now: active, privacy, about one of the person's records. */
export function inForce(consents: PatientConsents): Consent[] {
  const records = new Set(consents.patientIds.map((id) => `Patient/${id}`));
  return consents.consents.filter((c) => {
    const patient = c.patient?.reference === undefined ? undefined : normalizeReference(c.patient.reference);
    return c.status === 'active' && isPrivacyConsent(c) && patient !== undefined && records.has(patient);
  });
}

/**
 * The rules that decide: in each consent, every provision whose conditions and whose ancestors'
 * conditions hold, except that an applicable nested provision overrides its ancestors (an
 * exception inside its parent). A provision without a type decides nothing; its conditions still
 * bound its nested provisions.
 */
export function applicableRules(consents: readonly Consent[], req: Request): Rule[] {
  return consents.flatMap((c) => (c.provision ? collect(c.provision, [], req) : []));
}

function collect(p: ConsentProvision, ancestors: readonly ConsentProvision[], req: Request): Rule[] {
  const chain = [...ancestors, p];
  const exceptions = (p.provision ?? []).flatMap((nested) => collect(nested, chain, req));
  if (exceptions.length > 0) return exceptions;
  if (p.type === undefined || !applies(p.type, chain, req)) return [];
  return [{ type: p.type, specificity: specificityOf(chain), chain }];
}

/** A permit applies when every condition surely holds; a deny unless one surely does not. */
function applies(type: 'permit' | 'deny', chain: readonly ConsentProvision[], req: Request): boolean {
  const match = allOf(chain.map((p) => evaluate(p, req)));
  return type === 'permit' ? match === 'yes' : match !== 'no';
}

/**
 * Every provision of a Consent that decides (has a type), with the provisions above it, root
 * first: how the engine reads the tree. Each condition along the chain must hold for the
 * provision to apply (a nested provision narrows its ancestors, it never widens them).
 */
export function typedProvisions(consent: Consent): Pick<Rule, 'type' | 'chain'>[] {
  const out: Pick<Rule, 'type' | 'chain'>[] = [];
  const walk = (p: ConsentProvision, ancestors: readonly ConsentProvision[]) => {
    const chain = [...ancestors, p];
    if (p.type !== undefined) out.push({ type: p.type, chain });
    for (const nested of p.provision ?? []) walk(nested, chain);
  };
  if (consent.provision) walk(consent.provision, []);
  return out;
}

/** The number of distinct condition kinds constrained along the chain (inherited ones included). */
export function specificityOf(chain: readonly ConsentProvision[]): number {
  return new Set<ConditionKind>(chain.flatMap(constrainedKinds)).size;
}

/**
 * The most specific rules win; at equal specificity a deny beats a permit. Undefined when no rule
 * applies (the base model decides).
 */
export function strongest(rules: readonly Rule[]): Rule['type'] | undefined {
  if (rules.length === 0) return undefined;
  const top = Math.max(...rules.map((r) => r.specificity));
  return rules.some((r) => r.specificity === top && r.type === 'deny') ? 'deny' : 'permit';
}

/** Does this rule (or a provision above it) name the label in its securityLabel? */
export function namesLabel(rule: Rule, label: Label): boolean {
  return rule.chain.some((p) => (p.securityLabel ?? []).some((named) => labelCovers(named, label)));
}
