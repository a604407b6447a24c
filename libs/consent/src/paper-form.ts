import type { Coding, Consent, ConsentProvision } from 'fhir/r4';
import type { AgencyKind } from './types';
import {
  ACT_CODE_SYSTEM,
  ACT_REASON_SYSTEM,
  AGENCY_KIND_SYSTEM,
  CONSENT_SCOPE_SYSTEM,
  PARTICIPATION_TYPE_SYSTEM,
  PATIENT_PRIVACY,
} from './vocabulary';

/**
 * The paper consent form, on the consent side: which boxes it has, and the privacy Consent its
 * ticks become, in the shape the rules read (so the engine enforces a paper choice as any other):
 *
 * - "I agree" for an agency kind: a permit for that kind, for direct care (purpose TREAT, which
 *   covers ETREAT). Other purposes (research, payment ...) are never opened by a tick.
 * - "I refuse" for an agency kind: a deny for that kind, whatever the purpose.
 * - a sensitive category ticked for an agency kind: a permit for that kind, for direct care,
 *   naming the category's labels (sensitive data needs a permit that names its label).
 *
 * The provisions are exceptions nested in a root without a type (it only groups them), so each
 * decides on its own. They are ordinary provisions: a more specific one recorded elsewhere (naming
 * one agency and a kind of data, say) still wins over them, as for any consent.
 */

export const PAPER_FORM_AGENCY_KINDS: readonly AgencyKind[] = ['hospital', 'gp', 'specialist'];

/** The sensitive categories on the form, each a set of v3 ActCode sensitivity labels. */
export const PAPER_FORM_CATEGORIES = {
  'mental-health': ['MH', 'PSY', 'PSYTHPN', 'BH'],
  hiv: ['HIV'],
  'sexual-health': ['SEX', 'STD'],
  'substance-use': ['SUD', 'ETH'],
  genetics: ['GDIS'],
  violence: ['SDV', 'VIO'],
} as const satisfies Record<string, readonly string[]>;
export type PaperFormCategory = keyof typeof PAPER_FORM_CATEGORIES;
export const PAPER_FORM_CATEGORY_KEYS = Object.keys(PAPER_FORM_CATEGORIES) as PaperFormCategory[];

/** Identifies a Consent written from a paper form (value: the form's id in the mailroom). */
export const PAPER_FORM_IDENTIFIER_SYSTEM = 'https://passerelle.health/fhir/NamingSystem/paper-consent-form';

/** What the patient ticked, once the ticks are known not to contradict each other. */
export interface PaperFormChoices {
  /** Per agency kind: agree (permit) or refuse (deny); absent when neither box is ticked. */
  sharing: Partial<Record<AgencyKind, 'permit' | 'deny'>>;
  /** Per sensitive category, the agency kinds the patient lets see it. */
  sensitive: Partial<Record<PaperFormCategory, readonly AgencyKind[]>>;
}

export interface PaperFormConsentInput {
  /** The Consent's id. */
  id: string;
  /** The hub Patient record the form was sent about. */
  patientId: string;
  /** The mailroom's id of the form. */
  formId: string;
  /** When the hub recorded it. */
  recordedAt: Date;
  /** The date the patient wrote beside the signature, when there is one (YYYY-MM-DD). */
  signedOn?: string;
  /** Printed on the form's letter, for whoever reads the Consent: the letter's reference. */
  letterReference: string;
  choices: PaperFormChoices;
}

const RECIPIENT = { coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: 'IRCP' }] };
const TREAT: Coding = { system: ACT_REASON_SYSTEM, code: 'TREAT' };

const kindActor = (kind: AgencyKind) => ({
  role: RECIPIENT,
  reference: { identifier: { system: AGENCY_KIND_SYSTEM, value: kind } },
});

/** A form that records nothing, or that contradicts itself, is refused: these say why. */
export function paperFormProblems(choices: PaperFormChoices): string[] {
  const problems: string[] = [];
  for (const category of PAPER_FORM_CATEGORY_KEYS)
    for (const kind of choices.sensitive[category] ?? [])
      if (choices.sharing[kind] === 'deny')
        problems.push(`contradictory ticks: ${category} is allowed for ${kind}, whose sharing is refused`);
  const ticked =
    Object.keys(choices.sharing).length +
    PAPER_FORM_CATEGORY_KEYS.reduce((n, c) => n + (choices.sensitive[c]?.length ?? 0), 0);
  if (ticked === 0) problems.push('no box is ticked: the form records nothing');
  return problems;
}

/** The provisions of the choices, in a fixed order (agency kinds, then categories). */
export function paperFormProvisions(choices: PaperFormChoices): ConsentProvision[] {
  const provisions: ConsentProvision[] = [];
  for (const kind of PAPER_FORM_AGENCY_KINDS) {
    const decision = choices.sharing[kind];
    if (decision === 'permit')
      provisions.push({ type: 'permit', actor: [kindActor(kind)], purpose: [TREAT] });
    if (decision === 'deny') provisions.push({ type: 'deny', actor: [kindActor(kind)] });
  }
  for (const category of PAPER_FORM_CATEGORY_KEYS) {
    const kinds = PAPER_FORM_AGENCY_KINDS.filter((k) => choices.sensitive[category]?.includes(k));
    if (kinds.length === 0) continue;
    provisions.push({
      type: 'permit',
      actor: kinds.map(kindActor),
      purpose: [TREAT],
      securityLabel: PAPER_FORM_CATEGORIES[category].map((code) => ({ system: ACT_CODE_SYSTEM, code })),
    });
  }
  return provisions;
}

/** The Consent the hub writes on the patient's behalf from a signed paper form. */
export function paperFormConsent(input: PaperFormConsentInput): Consent {
  return {
    resourceType: 'Consent',
    id: input.id,
    identifier: [{ system: PAPER_FORM_IDENTIFIER_SYSTEM, value: input.formId }],
    status: 'active',
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: PATIENT_PRIVACY }] },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${input.patientId}` },
    dateTime: input.recordedAt.toISOString(),
    performer: [{ reference: `Patient/${input.patientId}` }],
    sourceAttachment: {
      title: `Paper consent form, letter ${input.letterReference}`,
      ...(input.signedOn ? { creation: input.signedOn } : {}),
    },
    provision: { provision: paperFormProvisions(input.choices) },
  };
}

/** True for a Consent written from a paper form (by its identifier). */
export function isPaperFormConsent(consent: Consent): boolean {
  return (consent.identifier ?? []).some((i) => i.system === PAPER_FORM_IDENTIFIER_SYSTEM);
}

/** The choices a paper-form Consent records (the inverse of `paperFormConsent`), for its letter. */
export function paperFormChoicesOf(consent: Consent): PaperFormChoices {
  const sharing: PaperFormChoices['sharing'] = {};
  const sensitive: Partial<Record<PaperFormCategory, AgencyKind[]>> = {};
  for (const p of consent.provision?.provision ?? []) {
    const kinds = (p.actor ?? [])
      .map((a) => a.reference.identifier)
      .filter((i) => i?.system === AGENCY_KIND_SYSTEM)
      .map((i) => PAPER_FORM_AGENCY_KINDS.find((k) => k === i?.value))
      .filter((k): k is AgencyKind => k !== undefined);
    const labels = (p.securityLabel ?? []).map((l) => l.code);
    if (labels.length === 0) {
      for (const kind of kinds) if (p.type) sharing[kind] = p.type;
      continue;
    }
    const category = PAPER_FORM_CATEGORY_KEYS.find((c) => PAPER_FORM_CATEGORIES[c][0] === labels[0]);
    if (category) sensitive[category] = [...(sensitive[category] ?? []), ...kinds];
  }
  return { sharing, sensitive };
}
