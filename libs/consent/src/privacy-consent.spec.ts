import type { Consent, ConsentProvision } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import type { StoredResource } from '@passerelle/store';
import {
  agencyKind,
  confidentiality,
  org,
  privacyConsent,
  purpose,
  resourceClass,
  sensitivity,
} from './consent.fixtures';
import { withLocalReferences } from './consent-source';
import { codingOf, factsOf } from './facts';
import { isPrivacyConsent, validatePatientConsent } from './privacy-consent';

const problems = (c: Consent) => validatePatientConsent(c).map((i) => i.expression?.[0]);
const withProvision = (provision: ConsentProvision) => privacyConsent(provision);

describe('validatePatientConsent', () => {
  const good = privacyConsent({
    type: 'deny',
    actor: [agencyKind('hospital')],
    provision: [
      {
        type: 'permit',
        actor: [org('chu-nantes')],
        purpose: [purpose('TREAT')],
        class: [resourceClass('Observation')],
        securityLabel: [sensitivity('PSY'), confidentiality('R')],
        period: { start: '2025-01-01', end: '2026-01-01' },
        dataPeriod: { start: '2020-01-01' },
        data: [{ meaning: 'instance', reference: { reference: 'Observation/o1' } }],
        action: [
          { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code: 'access' }] },
        ],
      },
    ],
  });

  it('accepts a well-formed privacy consent, which the FHIR schema accepts too', () => {
    expect(validatePatientConsent(good)).toEqual([]);
    expect(getFhirSchemaValidator().validate(good)).toEqual([]);
  });

  it('accepts every status an agency records, revocation (inactive) included', () => {
    for (const status of ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'] as const)
      expect(validatePatientConsent({ ...good, status })).toEqual([]);
  });

  it('refuses what would make the consent ignored or ambiguous', () => {
    expect(problems({ ...good, scope: { coding: [{ code: 'treatment' }] } })).toEqual(['Consent.scope']);
    expect(problems({ ...good, patient: { reference: 'https://elsewhere.example/Patient/1' } })).toEqual([
      'Consent.patient',
    ]);
    expect(problems({ ...good, performer: [] })).toEqual(['Consent.performer']);
    expect(problems({ ...good, performer: [{ display: 'the patient' }] })).toEqual(['Consent.performer[0]']);
    const { dateTime: _dateTime, ...undated } = good;
    expect(problems(undated)).toEqual(['Consent']);
    expect(problems({ ...undated, sourceReference: { reference: 'DocumentReference/scan-1' } })).toEqual([]);
    const { provision: _provision, ...empty } = good;
    expect(problems(empty)).toEqual(['Consent.provision']);
  });

  it('refuses provisions the rules could not evaluate', () => {
    expect(problems(withProvision({ provision: [{ actor: [org('a')] }] }))).toEqual([
      'Consent.provision.provision[0].type',
    ]);
    expect(problems(withProvision({}))).toEqual(['Consent.provision.type']);
    expect(
      problems(
        withProvision({ type: 'deny', actor: [{ ...org('a'), reference: { reference: 'Practitioner/p' } }] }),
      ),
    ).toEqual(['Consent.provision.actor[0].reference']);
    expect(
      problems(withProvision({ type: 'deny', actor: [{ ...org('a'), role: { text: 'custodian' } }] })),
    ).toEqual(['Consent.provision.actor[0].role']);
    expect(
      problems(
        withProvision({
          type: 'deny',
          actor: [
            {
              ...agencyKind('gp'),
              reference: { identifier: { system: 'urn:passerelle:agency-kind', value: 'x' } },
            },
          ],
        }),
      ),
    ).toEqual(['Consent.provision.actor[0].reference']);
    expect(problems(withProvision({ type: 'deny', code: [{ text: 'diabetes' }] }))).toEqual([
      'Consent.provision.code',
    ]);
    expect(problems(withProvision({ type: 'deny', purpose: [{ code: 'TREAT' }] }))).toEqual([
      'Consent.provision.purpose[0]',
    ]);
    expect(
      problems(
        withProvision({
          type: 'deny',
          class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Nope' }],
        }),
      ),
    ).toEqual(['Consent.provision.class[0]']);
    expect(
      problems(
        withProvision({
          type: 'deny',
          data: [{ meaning: 'related', reference: { reference: 'Observation/o1' } }],
        }),
      ),
    ).toEqual(['Consent.provision.data[0]']);
    expect(
      problems(withProvision({ type: 'deny', period: { start: '2026-01-01', end: '2025-01-01' } })),
    ).toEqual(['Consent.provision.period']);
  });

  it('recognises privacy consents by their scope', () => {
    expect(isPrivacyConsent(good)).toBe(true);
    expect(isPrivacyConsent({ ...good, scope: { coding: [{ code: 'patient-privacy' }] } })).toBe(false);
  });
});

describe('factsOf', () => {
  const row: StoredResource = {
    type: 'Observation',
    id: 'o1',
    versionId: 2,
    lastUpdated: new Date(),
    deleted: false,
    json: '{}',
    sourceAgency: 'gp-durand',
    patientId: 'p1',
    otherPatientIds: [],
    security: ['http://terminology.hl7.org/CodeSystem/v3-ActCode|PSY', 'urn:x|y|Z', '|bare', 'plain'],
    dataPeriod: { lo: 1, hi: 2 },
  };

  it('turns a store row into facts, splitting labels at the last "|"', () => {
    expect(factsOf(row)).toEqual({
      type: 'Observation',
      id: 'o1',
      sourceAgency: 'gp-durand',
      patientId: 'p1',
      securityLabels: [
        sensitivity('PSY'),
        { system: 'urn:x|y', code: 'Z' },
        { code: 'bare' },
        { code: 'plain' },
      ],
      dataPeriod: { lo: 1, hi: 2 },
    });
    expect(factsOf(row, { lo: 5, hi: 6 }).dataPeriod).toEqual({ lo: 5, hi: 6 });
    expect(codingOf('a|b')).toEqual({ system: 'a', code: 'b' });
  });
});

describe('withLocalReferences', () => {
  it("makes this hub's absolute references relative, and leaves others alone", () => {
    const base = 'https://hub.example/fhir';
    const consent = privacyConsent(
      {
        type: 'deny',
        actor: [{ ...org('x'), reference: { reference: `${base}/Organization/x` } }, agencyKind('gp')],
        provision: [
          {
            type: 'permit',
            data: [{ meaning: 'instance', reference: { reference: `${base}/Observation/o/_history/2` } }],
          },
        ],
      },
      { patient: { reference: 'https://elsewhere.example/Patient/p' } },
    );
    const local = withLocalReferences(consent, [base]);
    expect(local.provision?.actor?.map((a) => a.reference)).toEqual([
      { reference: 'Organization/x' },
      agencyKind('gp').reference,
    ]);
    expect(local.provision?.provision?.[0].data?.[0].reference).toEqual({ reference: 'Observation/o' });
    expect(local.patient).toEqual({ reference: 'https://elsewhere.example/Patient/p' });
  });
});
