import type { Consent } from 'fhir/r4';
import { normalizeReference } from '@passerelle/fhir';
import type { Actor, ReferenceCheck, VersionRow } from '@passerelle/store';
import { decisionWithoutConsents } from '../decide';
import { factsOf } from '../facts';
import { isPrivacyConsent } from '../privacy-consent';
import { holdsPerson } from '../relationships/authorship';
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

/** The Patient ids the patient-privacy Consents of a write are about. */
function consentPatients(written: readonly VersionRow[]): Set<string> {
  const out = new Set<string>();
  for (const row of written) {
    if (row.type !== 'Consent' || row.deleted || row.content === null) continue;
    const consent = JSON.parse(row.content) as Consent;
    const patient = consent.patient?.reference && normalizeReference(consent.patient.reference);
    if (isPrivacyConsent(consent) && patient?.startsWith('Patient/'))
      out.add(patient.slice('Patient/'.length));
  }
  return out;
}

/**
 * The store's reference check for the hub's writes: a target resolves when the consent engine
 * would let the writer read it, with the writer as the caller and its token's purpose of use —
 * the same decider, the same rules as its reads (its own data, directory data, another agency's
 * data only with a care relationship and the patient's consent). A write without a purpose of
 * use resolves only what needs none: its own data and directory data. All targets of a write
 * are decided in one call (one consent lookup for all the patients it needs).
 *
 * One exception: the patient a written privacy Consent is about resolves when the writer holds
 * the person (a care relationship), whatever the patient's consents say — any agency that holds
 * the person may record their choices, an objection to itself included (docs/consent.md). Who
 * may record what is then the authorship check's (checkConsentAuthorship).
 */
export function writerMaySee(decider: ConsentDecider): ReferenceCheck {
  return async (db, actor, targets, written) => {
    const facts = targets.map((t) => factsOf(t));
    const ctx = writerContext(actor);
    const permits = ctx
      ? (await decider.decideAll(db, ctx, facts)).map((d) => d.permit)
      : facts.map((f) => decisionWithoutConsents({ agency: actor.agency }, f)?.permit === true);
    const consentsAbout = consentPatients(written);
    const out: boolean[] = [];
    for (const [i, target] of targets.entries()) {
      const aboutConsent = target.type === 'Patient' && consentsAbout.has(target.id);
      // Sequential on purpose: one connection (the write's transaction) runs one query at a time.
      out.push(permits[i] || (aboutConsent && (await holdsPerson(db, actor.agency, target.id))));
    }
    return out;
  };
}
