import type { Consent } from 'fhir/r4';
import { asker, facts, NOW, only, PATIENT, policy, sensitivity } from './consent.fixtures';
import { decide } from './decide';
import {
  PAPER_FORM_CATEGORIES,
  PAPER_FORM_CATEGORY_KEYS,
  type PaperFormChoices,
  paperFormChoicesOf,
  paperFormConsent,
  paperFormProblems,
} from './paper-form';
import { validatePatientConsent } from './privacy-consent';
import { SENSITIVE_ACT_CODES } from './vocabulary';

const consentOf = (choices: PaperFormChoices): Consent =>
  paperFormConsent({
    id: 'form-consent-1',
    patientId: PATIENT,
    formId: '6f1c2b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f',
    recordedAt: new Date('2025-05-20T09:00:00Z'),
    signedOn: '2025-05-18',
    letterReference: 'A1B2-C3D4-E5F6-0718',
    choices,
  });

describe('the paper consent form, consent side', () => {
  it('names only sensitivity labels the rules know, in every category', () => {
    for (const category of PAPER_FORM_CATEGORY_KEYS)
      for (const code of PAPER_FORM_CATEGORIES[category]) expect(SENSITIVE_ACT_CODES.has(code)).toBe(true);
  });

  it('writes a Consent the hub accepts from an agency, on the patient’s behalf', () => {
    const consent = consentOf({
      sharing: { hospital: 'deny', gp: 'permit' },
      sensitive: { 'mental-health': ['gp'], hiv: ['gp', 'specialist'] },
    });
    expect(validatePatientConsent(consent)).toEqual([]);
    expect(consent.performer).toEqual([{ reference: `Patient/${PATIENT}` }]);
    expect(consent.sourceAttachment?.creation).toBe('2025-05-18');
  });

  it('is enforced by the engine: a refused kind is denied, an agreed kind is permitted for care only', () => {
    const consents = only(consentOf({ sharing: { hospital: 'deny', gp: 'permit' }, sensitive: {} }));
    const data = facts({ sourceAgency: 'psy-martin' });
    const explicit = policy('explicit');
    expect(decide(asker('chu-nantes', 'TREAT'), data, consents, policy('implied'), NOW)).toMatchObject({
      permit: false,
      basis: 'consent-deny',
    });
    expect(decide(asker('gp-durand', 'TREAT'), data, consents, explicit, NOW)).toMatchObject({
      permit: true,
      basis: 'consent-permit',
    });
    expect(decide(asker('gp-durand', 'ETREAT'), data, consents, explicit, NOW).permit).toBe(true);
    expect(decide(asker('gp-durand', 'HRESCH'), data, consents, explicit, NOW).permit).toBe(false);
    // Specialists: no box ticked, the base model decides.
    expect(decide(asker('cardio-leroy', 'TREAT'), data, consents, explicit, NOW).basis).toBe('base-explicit');
  });

  it('opens a sensitive category to the kinds ticked for it, and to no one else', () => {
    const consents = only(consentOf({ sharing: {}, sensitive: { 'mental-health': ['gp'] } }));
    const implied = policy('implied');
    const psy = facts({ sourceAgency: 'chu-nantes', securityLabels: [sensitivity('PSY')] });
    const hiv = facts({ sourceAgency: 'chu-nantes', securityLabels: [sensitivity('HIV')] });
    expect(decide(asker('gp-durand', 'TREAT'), psy, consents, implied, NOW)).toMatchObject({
      permit: true,
      basis: 'consent-permit',
    });
    expect(decide(asker('psy-martin', 'TREAT'), psy, consents, implied, NOW).basis).toBe(
      'sensitive-needs-permit',
    );
    expect(decide(asker('gp-durand', 'TREAT'), hiv, consents, implied, NOW).basis).toBe(
      'sensitive-needs-permit',
    );
    // Unlabelled data is not touched by a category's permit.
    expect(decide(asker('gp-bernard', 'TREAT'), psy, consents, implied, NOW).permit).toBe(true);
    const plain = facts({ sourceAgency: 'chu-nantes' });
    expect(decide(asker('gp-durand', 'TREAT'), plain, consents, policy('explicit'), NOW).basis).toBe(
      'base-explicit',
    );
  });

  it('refuses a blank form, and a category allowed for a kind whose sharing is refused', () => {
    expect(paperFormProblems({ sharing: {}, sensitive: {} })).toEqual([
      'no box is ticked: the form records nothing',
    ]);
    expect(paperFormProblems({ sharing: { gp: 'deny' }, sensitive: { hiv: ['gp'] } })).toEqual([
      'contradictory ticks: hiv is allowed for gp, whose sharing is refused',
    ]);
    expect(paperFormProblems({ sharing: { gp: 'permit' }, sensitive: { hiv: ['gp'] } })).toEqual([]);
  });

  it('reads the choices back from the Consent it wrote', () => {
    const choices: PaperFormChoices = {
      sharing: { hospital: 'deny', specialist: 'permit' },
      sensitive: { 'sexual-health': ['gp', 'specialist'], genetics: ['specialist'] },
    };
    expect(paperFormChoicesOf(consentOf(choices))).toEqual(choices);
  });
});
