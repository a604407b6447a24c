import { idOfReference } from '@passerelle/fhir';
import type { Consent, ConsentProvision } from 'fhir/r4';
import { typedProvisions } from './provisions';
import type { AgencyKind } from './types';
import { AGENCY_ID_SYSTEM, AGENCY_KIND_SYSTEM } from './vocabulary';

/**
 * A FHIR privacy Consent as the consent-change letter tells it: one rule per provision that
 * decides, read as the consent engine reads it (`typedProvisions`): every condition along the
 * provision's chain must hold. So where a provision and one above it both name agencies (or
 * kinds, or purposes), only those named by both remain; the data described is all the classes
 * and labels named along the chain; the period is the overlap. Agencies are named by id here;
 * the caller swaps in their names.
 */

/** One rule of the patient's sharing choices, in the letter's words; an absent list means "all". */
export interface SharingRule {
  decision: 'permit' | 'deny';
  agencies?: string[];
  agencyKinds?: AgencyKind[];
  purposes?: string[];
  /** FHIR resource types or sensitivity labels. */
  dataClasses?: string[];
  period?: { start?: Date; end?: Date };
}

/** What a Consent version did: recorded (first version), changed, or withdrawn. */
export type ConsentAction = 'created' | 'updated' | 'withdrawn';

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
    const byId = idOfReference(ref.reference, 'Organization');
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

/** Both lists must be met: what both name; one alone stands. */
function both<T>(a: T[] | undefined, b: T[] | undefined): T[] | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.filter((x) => b.includes(x));
}

const later = (a?: Date, b?: Date) => (!a ? b : !b ? a : a > b ? a : b);
const earlier = (a?: Date, b?: Date) => (!a ? b : !b ? a : a < b ? a : b);

/** The conditions of a provision and of one above it, all of which must hold. */
function and(outer: Conditions, inner: Conditions): Conditions {
  const agencies = both(outer.agencies, inner.agencies);
  const start = later(outer.period?.start, inner.period?.start);
  const end = earlier(outer.period?.end, inner.period?.end);
  return {
    agencies,
    // Named agencies already narrow a kind named elsewhere in the chain: the letter names them.
    agencyKinds: agencies ? undefined : both(outer.agencyKinds, inner.agencyKinds),
    purposes: both(outer.purposes, inner.purposes),
    dataClasses: nonEmpty([...(outer.dataClasses ?? []), ...(inner.dataClasses ?? [])]),
    period: start || end ? { ...(start ? { start } : {}), ...(end ? { end } : {}) } : undefined,
  };
}

export function sharingRules(consent: Consent): SharingRule[] {
  return typedProvisions(consent).map(({ type, chain }) => {
    const conditions = chain.map(own).reduce(and, {});
    const rule: SharingRule = { decision: type };
    if (conditions.agencies) rule.agencies = conditions.agencies;
    if (conditions.agencyKinds) rule.agencyKinds = conditions.agencyKinds;
    if (conditions.purposes) rule.purposes = conditions.purposes;
    if (conditions.dataClasses) rule.dataClasses = conditions.dataClasses;
    if (conditions.period) rule.period = conditions.period;
    return rule;
  });
}

/** Recorded (first version), changed, or withdrawn (no longer active). */
export function consentAction(consent: Consent, versionId: number): ConsentAction {
  if (consent.status !== 'active' && consent.status !== 'proposed' && consent.status !== 'draft')
    return 'withdrawn';
  return versionId <= 1 ? 'created' : 'updated';
}
