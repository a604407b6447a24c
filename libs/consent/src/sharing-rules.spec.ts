import type { Consent } from 'fhir/r4';
import { consentAction, sharingRules } from './sharing-rules';

const IRCP = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }],
};

const consent = (provision: Consent['provision'], status: Consent['status'] = 'active'): Consent => ({
  resourceType: 'Consent',
  status,
  scope: { coding: [{ code: 'patient-privacy' }] },
  category: [{ coding: [{ code: '59284-0' }] }],
  provision,
});

describe('sharingRules', () => {
  it('turns each typed provision into a rule, nested ones inheriting what they do not narrow', () => {
    const rules = sharingRules(
      consent({
        type: 'permit',
        purpose: [{ code: 'TREAT' }],
        period: { start: '2025-01-01' },
        provision: [
          {
            type: 'deny',
            actor: [{ role: IRCP, reference: { reference: 'Organization/psy-clinic' } }],
            securityLabel: [{ code: 'PSY' }],
          },
          {
            type: 'deny',
            actor: [
              {
                role: IRCP,
                reference: { identifier: { system: 'urn:passerelle:agency-kind', value: 'specialist' } },
              },
            ],
            class: [{ code: 'Observation' }],
          },
        ],
      }),
    );
    expect(rules).toEqual([
      { decision: 'permit', purposes: ['TREAT'], period: { start: new Date('2025-01-01') } },
      {
        decision: 'deny',
        agencies: ['psy-clinic'],
        purposes: ['TREAT'],
        dataClasses: ['PSY'],
        period: { start: new Date('2025-01-01') },
      },
      {
        decision: 'deny',
        agencyKinds: ['specialist'],
        purposes: ['TREAT'],
        dataClasses: ['Observation'],
        period: { start: new Date('2025-01-01') },
      },
    ]);
  });

  it('reads a nested provision as the consent engine does: it narrows its ancestors, never widens them', () => {
    const hospitals = {
      role: IRCP,
      reference: { identifier: { system: 'urn:passerelle:agency-kind', value: 'hospital' } },
    };
    const nantes = { role: IRCP, reference: { reference: 'Organization/chu-nantes' } };
    const rennes = { role: IRCP, reference: { reference: 'Organization/chu-rennes' } };
    const rules = sharingRules(
      consent({
        actor: [nantes, rennes],
        purpose: [{ code: 'TREAT' }, { code: 'HRESCH' }],
        class: [{ code: 'Observation' }],
        period: { start: '2025-01-01', end: '2026-01-01' },
        provision: [
          {
            type: 'deny',
            actor: [nantes, hospitals],
            purpose: [{ code: 'HRESCH' }],
            securityLabel: [{ code: 'PSY' }],
            period: { start: '2025-06-01' },
          },
        ],
      }),
    );
    expect(rules).toEqual([
      {
        decision: 'deny',
        agencies: ['chu-nantes'],
        purposes: ['HRESCH'],
        dataClasses: ['Observation', 'PSY'],
        period: { start: new Date('2025-06-01'), end: new Date('2026-01-01') },
      },
    ]);
  });

  it('has no rules for a consent without provisions', () => {
    expect(sharingRules(consent(undefined))).toEqual([]);
  });
});

describe('consentAction', () => {
  it('says created for the first version, updated after, withdrawn once no longer active', () => {
    expect(consentAction(consent({ type: 'deny' }), 1)).toBe('created');
    expect(consentAction(consent({ type: 'deny' }), 3)).toBe('updated');
    expect(consentAction(consent({ type: 'deny' }, 'inactive'), 2)).toBe('withdrawn');
  });
});
