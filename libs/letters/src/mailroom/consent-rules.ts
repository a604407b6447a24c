import type { Consent, ConsentProvision } from 'fhir/r4';
import { AGENCY_ID_SYSTEM, AGENCY_KIND_SYSTEM } from '@passerelle/consent';
import type { SharingRule } from '../letter-types';
import type { AgencyKind, ConsentAction } from '../strings';

/**
 * A FHIR privacy Consent as the consent-change letter tells it: one rule per provision that has a
 * type (permit or deny), with the conditions it inherits from the provisions above it (a nested
 * provision's own list of a kind replaces its parent's: it is the narrower one). Agencies are
 * named by id here; the caller swaps in their names.
 */

const AGENCY_KINDS: readonly AgencyKind[] = ['hospital', 'gp', 'specialist'];

interface Conditions {
  agencies?: string[];
  agencyKinds?: AgencyKind[];
  purposes?: string[];
  dataClasses?: string[];
  period?: { start?: Date; end?: Date };
}

function nonEmpty<T>(values: T[]): T[] | undefined {
  return values.length > 0 ? [...new Set(values)] : undefined;
}

function date(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function own(p: ConsentProvision): Conditions {
  const agencies: string[] = [];
  const kinds: AgencyKind[] = [];
  for (const a of p.actor ?? []) {
    const ref = a.reference;
    const byId = ref.reference?.match(/^Organization\/([A-Za-z0-9\-.]{1,64})$/)?.[1];
    if (byId) agencies.push(byId);
    else if (ref.identifier?.system === AGENCY_ID_SYSTEM && ref.identifier.value)
      agencies.push(ref.identifier.value);
    else if (ref.identifier?.system === AGENCY_KIND_SYSTEM) {
      const kind = AGENCY_KINDS.find((k) => k === ref.identifier?.value);
      if (kind) kinds.push(kind);
    } else if (ref.display) agencies.push(ref.display);
  }
  const classes = [
    ...(p.class ?? []).map((c) => c.code),
    ...(p.securityLabel ?? []).map((c) => c.code),
  ].filter((c): c is string => typeof c === 'string' && c !== '');
  const purposes = (p.purpose ?? []).map((c) => c.code).filter((c): c is string => !!c);
  const start = date(p.period?.start);
  const end = date(p.period?.end);
  return {
    agencies: nonEmpty(agencies),
    agencyKinds: nonEmpty(kinds),
    purposes: nonEmpty(purposes),
    dataClasses: nonEmpty(classes),
    period: start || end ? { ...(start ? { start } : {}), ...(end ? { end } : {}) } : undefined,
  };
}

function merge(parent: Conditions, child: Conditions): Conditions {
  // Agencies and kinds of agency are one condition (the actor): the child's replaces both.
  const who = child.agencies !== undefined || child.agencyKinds !== undefined ? child : parent;
  return {
    agencies: who.agencies,
    agencyKinds: who.agencyKinds,
    purposes: child.purposes ?? parent.purposes,
    dataClasses: child.dataClasses ?? parent.dataClasses,
    period: child.period ?? parent.period,
  };
}

function collect(p: ConsentProvision, inherited: Conditions, out: SharingRule[]): void {
  const conditions = merge(inherited, own(p));
  if (p.type !== undefined) {
    const rule: SharingRule = { decision: p.type };
    if (conditions.agencies) rule.agencies = conditions.agencies;
    if (conditions.agencyKinds) rule.agencyKinds = conditions.agencyKinds;
    if (conditions.purposes) rule.purposes = conditions.purposes;
    if (conditions.dataClasses) rule.dataClasses = conditions.dataClasses;
    if (conditions.period) rule.period = conditions.period;
    out.push(rule);
  }
  for (const nested of p.provision ?? []) collect(nested, conditions, out);
}

export function sharingRules(consent: Consent): SharingRule[] {
  const out: SharingRule[] = [];
  if (consent.provision) collect(consent.provision, {}, out);
  return out;
}

/** Recorded (first version), changed, or withdrawn (no longer active). */
export function consentAction(consent: Consent, versionId: number): ConsentAction {
  if (consent.status !== 'active' && consent.status !== 'proposed' && consent.status !== 'draft')
    return 'withdrawn';
  return versionId <= 1 ? 'created' : 'updated';
}
