import type { Consent, ConsentProvision } from 'fhir/r4';

/** A patient-privacy Consent recorded by an agency on the patient's behalf. */
export function privacyConsent(
  patientId: string,
  recordedBy: string,
  provision: ConsentProvision,
  status: Consent['status'] = 'active',
): Consent {
  return {
    resourceType: 'Consent',
    status,
    scope: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
    },
    category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
    patient: { reference: `Patient/${patientId}` },
    dateTime: '2025-01-15T10:00:00+01:00',
    performer: [{ reference: `Patient/${patientId}` }],
    organization: [{ reference: `Organization/${recordedBy}` }],
    policyRule: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'OPTIN' }] },
    provision,
  };
}

export const actor = (agency: string): NonNullable<ConsentProvision['actor']>[number] => ({
  role: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' }] },
  reference: { reference: `Organization/${agency}` },
});

export const PSY = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'PSY' };
