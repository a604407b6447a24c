import type { Consent, ConsentProvision } from 'fhir/r4';
import {
  agencyKind,
  asker,
  confidentiality,
  during,
  facts,
  NOW,
  only,
  org,
  PATIENT,
  policy,
  privacyConsent,
  purpose,
  resourceClass,
  sensitivity,
} from './consent.fixtures';
import { decide } from './decide';
import type {
  ConsentPolicy,
  DecisionBasis,
  DisclosureContext,
  PatientConsents,
  ResourceFacts,
} from './types';

interface Scenario {
  name: string;
  policy: ConsentPolicy;
  ctx: DisclosureContext;
  facts?: ResourceFacts;
  consents?: PatientConsents;
  permit: boolean;
  basis: DecisionBasis;
  breakGlass?: boolean;
}

const implied = policy('implied');
const explicit = policy('explicit');
const impliedBreakGlass = policy('implied', 'allowed');
const explicitBreakGlass = policy('explicit', 'allowed');

const deny = (p: Omit<ConsentProvision, 'type'> = {}): ConsentProvision => ({ type: 'deny', ...p });
const permit = (p: Omit<ConsentProvision, 'type'> = {}): ConsentProvision => ({ type: 'permit', ...p });
const consent = (p: ConsentProvision, over: Partial<Consent> = {}) => only(privacyConsent(p, over));

/** The patient objects to CHU Nantes (implied model, right to object). */
const objectsToNantes = consent(deny({ actor: [org('chu-nantes')] }));
/** No hospital, except CHU Nantes: an exception nested inside its parent. */
const noHospitalButNantes = consent(
  deny({ actor: [agencyKind('hospital')], provision: [permit({ actor: [org('chu-nantes')] })] }),
);
/** Opt-in (explicit model) for every GP practice, for treatment. */
const gpsForTreatment = consent(permit({ actor: [agencyKind('gp')], purpose: [purpose('TREAT')] }));
/** Mental-health data to one specialist. */
const psyToMartin = consent(permit({ actor: [org('psy-martin')], securityLabel: [sensitivity('PSY')] }));
const psy = facts({ securityLabels: [sensitivity('PSY')] });
const restricted = facts({ securityLabels: [confidentiality('R')] });
const veryRestricted = facts({ securityLabels: [confidentiality('V')] });
const ended2024 = { start: '2023-01-01', end: '2024-12-31' };
const from2026 = { start: '2026-01-01' };
const untilNextYear = { start: '2025-01-01', end: '2026-06-01' };
const before2020 = { end: '2019-12-31' };
const since2020 = { start: '2020-01-01' };
const in2018 = facts({ dataPeriod: during('2018-03-01', '2018-03-02') });
const in2023 = facts({ dataPeriod: during('2023-03-01', '2023-03-02') });

// One row per line, as a table reads.
// prettier-ignore
const scenarios: Scenario[] = [
  // Before any consent: own data, directory data, purpose of use.
  { name: 'the source agency sees its own data', policy: explicit, ctx: asker('gp-durand'), permit: true, basis: 'own-data' },
  { name: 'own data even against a deny-all consent', policy: explicit, ctx: asker('gp-durand', 'HRESCH'), consents: consent(deny()), permit: true, basis: 'own-data' },
  { name: 'directory data is shared, without a purpose', policy: explicit, ctx: asker('chu-nantes'), facts: facts({ type: 'Organization', id: 'org-1', patientId: null }), permit: true, basis: 'directory' },
  { name: 'no purpose of use: patient data denied', policy: implied, ctx: asker('chu-nantes'), permit: false, basis: 'no-purpose' },
  // Base models.
  { name: 'implied: treatment is direct care', policy: implied, ctx: asker('chu-nantes', 'TREAT'), permit: true, basis: 'base-implied' },
  { name: 'implied: emergency treatment is direct care', policy: implied, ctx: asker('chu-nantes', 'ETREAT'), permit: true, basis: 'base-implied' },
  { name: 'implied: research is not direct care', policy: implied, ctx: asker('chu-nantes', 'HRESCH'), permit: false, basis: 'base-implied' },
  { name: 'implied: patient-requested is not direct care', policy: implied, ctx: asker('gp-bernard', 'PATRQT'), permit: false, basis: 'base-implied' },
  { name: 'implied: payment is not direct care', policy: implied, ctx: asker('chu-nantes', 'HPAYMT'), permit: false, basis: 'base-implied' },
  { name: 'explicit: nothing without an opt-in', policy: explicit, ctx: asker('chu-nantes', 'TREAT'), permit: false, basis: 'base-explicit' },
  // Objections and opt-ins, by agency and by agency kind.
  { name: 'implied: an objection to one hospital denies it', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
  { name: 'implied: ...and no other hospital', policy: implied, ctx: asker('chu-rennes', 'TREAT'), consents: objectsToNantes, permit: true, basis: 'base-implied' },
  { name: 'implied: no hospital (kind) denies CHU Rennes', policy: implied, ctx: asker('chu-rennes', 'TREAT'), consents: noHospitalButNantes, permit: false, basis: 'consent-deny' },
  { name: 'implied: the nested exception lets CHU Nantes in', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: noHospitalButNantes, permit: true, basis: 'consent-permit' },
  { name: 'implied: an objection to hospitals leaves GPs alone', policy: implied, ctx: asker('gp-bernard', 'TREAT'), consents: noHospitalButNantes, permit: true, basis: 'base-implied' },
  { name: 'explicit: opted in to GPs for treatment', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), consents: gpsForTreatment, permit: true, basis: 'consent-permit' },
  { name: 'explicit: TREAT covers ETREAT', policy: explicit, ctx: asker('gp-bernard', 'ETREAT'), consents: gpsForTreatment, permit: true, basis: 'consent-permit' },
  { name: 'explicit: the opt-in is for treatment only', policy: explicit, ctx: asker('gp-bernard', 'HRESCH'), consents: gpsForTreatment, permit: false, basis: 'base-explicit' },
  { name: 'explicit: the opt-in is for GPs only', policy: explicit, ctx: asker('cardio-leroy', 'TREAT'), consents: gpsForTreatment, permit: false, basis: 'base-explicit' },
  { name: 'explicit: a nested deny inside an opt-in', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), facts: facts({ type: 'MedicationRequest' }), consents: consent(permit({ actor: [agencyKind('gp')], provision: [deny({ class: [resourceClass('MedicationRequest')] })] })), permit: false, basis: 'consent-deny' },
  // Sensitive data.
  { name: 'implied: mental-health data needs a permit naming it', policy: implied, ctx: asker('psy-martin', 'TREAT'), facts: psy, permit: false, basis: 'sensitive-needs-permit' },
  { name: 'implied: PSY permitted to one specialist', policy: implied, ctx: asker('psy-martin', 'TREAT'), facts: psy, consents: psyToMartin, permit: true, basis: 'consent-permit' },
  { name: 'implied: ...not to another specialist', policy: implied, ctx: asker('cardio-leroy', 'TREAT'), facts: psy, consents: psyToMartin, permit: false, basis: 'sensitive-needs-permit' },
  { name: 'explicit: PSY permitted to one specialist', policy: explicit, ctx: asker('psy-martin', 'TREAT'), facts: psy, consents: psyToMartin, permit: true, basis: 'consent-permit' },
  { name: 'a permit for the agency that does not name PSY is not enough', policy: implied, ctx: asker('psy-martin', 'TREAT'), facts: psy, consents: consent(permit({ actor: [org('psy-martin')] })), permit: false, basis: 'sensitive-needs-permit' },
  { name: 'a permit naming SPI covers PSYTHPN', policy: implied, ctx: asker('psy-martin', 'TREAT'), facts: facts({ securityLabels: [sensitivity('PSYTHPN')] }), consents: consent(permit({ actor: [org('psy-martin')], securityLabel: [sensitivity('SPI')] })), permit: true, basis: 'consent-permit' },
  { name: 'every sensitive label must be named (PSY + HIV)', policy: implied, ctx: asker('psy-martin', 'TREAT'), facts: facts({ securityLabels: [sensitivity('PSY'), sensitivity('HIV')] }), consents: psyToMartin, permit: false, basis: 'sensitive-needs-permit' },
  { name: 'implied: restricted (R) data needs a permit', policy: implied, ctx: asker('chu-nantes', 'TREAT'), facts: restricted, permit: false, basis: 'sensitive-needs-permit' },
  { name: 'a permit naming V covers R', policy: implied, ctx: asker('chu-nantes', 'TREAT'), facts: restricted, consents: consent(permit({ actor: [org('chu-nantes')], securityLabel: [confidentiality('V')] })), permit: true, basis: 'consent-permit' },
  { name: 'a permit naming R does not cover V', policy: implied, ctx: asker('chu-nantes', 'TREAT'), facts: veryRestricted, consents: consent(permit({ actor: [org('chu-nantes')], securityLabel: [confidentiality('R')] })), permit: false, basis: 'sensitive-needs-permit' },
  // Break-glass.
  { name: 'break-glass overrides an objection', policy: impliedBreakGlass, ctx: asker('chu-nantes', 'ETREAT', 'unconscious, anaphylaxis'), consents: objectsToNantes, permit: true, basis: 'break-glass', breakGlass: true },
  { name: 'break-glass overrides the sensitive rule', policy: impliedBreakGlass, ctx: asker('chu-nantes', 'ETREAT', 'suicide attempt'), facts: psy, permit: true, basis: 'break-glass', breakGlass: true },
  { name: 'break-glass overrides the explicit base', policy: explicitBreakGlass, ctx: asker('chu-nantes', 'ETREAT', 'cardiac arrest'), permit: true, basis: 'break-glass', breakGlass: true },
  { name: 'break-glass not needed: nothing to tell the patient', policy: impliedBreakGlass, ctx: asker('chu-nantes', 'ETREAT', 'cardiac arrest'), permit: true, basis: 'base-implied', breakGlass: false },
  { name: 'break-glass forbidden: ETREAT is just a purpose', policy: implied, ctx: asker('chu-nantes', 'ETREAT', 'cardiac arrest'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
  { name: 'break-glass needs a reason', policy: impliedBreakGlass, ctx: asker('chu-nantes', 'ETREAT', '  '), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
  { name: 'break-glass needs ETREAT', policy: impliedBreakGlass, ctx: asker('chu-nantes', 'TREAT', 'cardiac arrest'), consents: objectsToNantes, permit: false, basis: 'consent-deny' },
  // Revocation, status, scope, patient.
  { name: 'a revoked objection (inactive) no longer applies', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')] }), { status: 'inactive' }), permit: true, basis: 'base-implied' },
  { name: 'a revoked opt-in (inactive) no longer applies', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), consents: only({ ...gpsForTreatment.consents[0], status: 'inactive' }), permit: false, basis: 'base-explicit' },
  { name: 'a draft consent does not apply', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), consents: only({ ...gpsForTreatment.consents[0], status: 'draft' }), permit: false, basis: 'base-explicit' },
  { name: 'a treatment-scope consent is not a privacy consent', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')] }), { scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'treatment' }] } }), permit: true, basis: 'base-implied' },
  { name: "another patient's consent does not apply", policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')] }), { patient: { reference: 'Patient/someone-else' } }), permit: true, basis: 'base-implied' },
  { name: "a linked record's consent applies", policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: { patientIds: [PATIENT, 'pat-1-at-chu'], consents: [privacyConsent(deny({ actor: [org('chu-nantes')] }), { patient: { reference: 'Patient/pat-1-at-chu' } })] }, permit: false, basis: 'consent-deny' },
  // Consent period (vs now) and data period (vs the data's dates).
  { name: 'an objection that ended in 2024 no longer applies', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')], period: ended2024 })), permit: true, basis: 'base-implied' },
  { name: 'an objection from 2026 does not apply yet', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')], period: from2026 })), permit: true, basis: 'base-implied' },
  { name: 'an objection in force applies', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')], period: untilNextYear })), permit: false, basis: 'consent-deny' },
  { name: 'a deny of data before 2020 covers 2018 data', policy: implied, ctx: asker('chu-nantes', 'TREAT'), facts: in2018, consents: consent(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: false, basis: 'consent-deny' },
  { name: '...not 2023 data', policy: implied, ctx: asker('chu-nantes', 'TREAT'), facts: in2023, consents: consent(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: true, basis: 'base-implied' },
  { name: '...and covers undated data (when in doubt, deny)', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')], dataPeriod: before2020 })), permit: false, basis: 'consent-deny' },
  { name: 'explicit: a permit of data since 2020 covers 2023 data', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), facts: in2023, consents: consent(permit({ actor: [agencyKind('gp')], dataPeriod: since2020 })), permit: true, basis: 'consent-permit' },
  { name: '...not undated data (when in doubt, no permit)', policy: explicit, ctx: asker('gp-bernard', 'TREAT'), consents: consent(permit({ actor: [agencyKind('gp')], dataPeriod: since2020 })), permit: false, basis: 'base-explicit' },
  // Precedence.
  { name: 'equal specificity: deny wins', policy: explicit, ctx: asker('chu-nantes', 'TREAT'), consents: only(privacyConsent(permit({ actor: [org('chu-nantes')] })), privacyConsent(deny({ purpose: [purpose('TREAT')] }))), permit: false, basis: 'consent-deny' },
  { name: 'the more specific permit wins', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: only(privacyConsent(deny({ actor: [org('chu-nantes')] })), privacyConsent(permit({ actor: [org('chu-nantes')], purpose: [purpose('TREAT')] }))), permit: true, basis: 'consent-permit' },
  { name: 'the more specific deny wins', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: only(privacyConsent(permit({ actor: [agencyKind('hospital')] })), privacyConsent(deny({ actor: [org('chu-nantes')], class: [resourceClass('Observation')] }))), permit: false, basis: 'consent-deny' },
  { name: 'explicit: a root permit without conditions is the least specific', policy: explicit, ctx: asker('chu-nantes', 'TREAT'), consents: consent(permit({ provision: [deny({ actor: [org('chu-nantes')] })] })), permit: false, basis: 'consent-deny' },
  { name: '...and lets everyone else in', policy: explicit, ctx: asker('chu-rennes', 'TREAT'), consents: consent(permit({ provision: [deny({ actor: [org('chu-nantes')] })] })), permit: true, basis: 'consent-permit' },
  { name: 'inherited conditions count: actor + class beats an equal permit', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: only(privacyConsent(permit({ actor: [org('chu-nantes')], purpose: [purpose('TREAT')] })), privacyConsent({ actor: [agencyKind('hospital')], provision: [deny({ class: [resourceClass('Observation')] })] })), permit: false, basis: 'consent-deny' },
  { name: 'a root without a type decides nothing itself', policy: explicit, ctx: asker('chu-nantes', 'TREAT'), facts: facts({ type: 'Condition' }), consents: consent({ actor: [agencyKind('hospital')], provision: [permit({ class: [resourceClass('Observation')] })] }), permit: false, basis: 'base-explicit' },
  // What the hub cannot evaluate: a deny applies, a permit does not.
  { name: 'a deny for a practitioner (not an agency) applies to all', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [{ ...org('x'), reference: { reference: 'Practitioner/dr-x' } }] })), permit: false, basis: 'consent-deny' },
  { name: 'a deny about correcting data is not about disclosure', policy: implied, ctx: asker('chu-nantes', 'TREAT'), consents: consent(deny({ actor: [org('chu-nantes')], action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'correct' }] }] })), permit: true, basis: 'base-implied' },
];

describe('decide: scenarios', () => {
  it('has at least 30 scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(30));

  it.each(scenarios)('$name', (s) => {
    const decision = decide(s.ctx, s.facts ?? facts(), s.consents ?? only(), s.policy, NOW);
    expect(decision).toEqual(
      s.permit
        ? { permit: true, breakGlass: s.breakGlass ?? false, basis: s.basis }
        : { permit: false, basis: s.basis },
    );
  });

  it('refuses consents read for another patient (a caller bug, never a silent decision)', () => {
    const other = { patientIds: ['someone-else'], consents: [] };
    expect(() => decide(asker('chu-nantes', 'TREAT'), facts(), other, implied, NOW)).toThrow();
  });
});
