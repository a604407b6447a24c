import type { Consent, ConsentProvision, OperationOutcomeIssue } from 'fhir/r4';
import { isSupportedType, isValidId, relativeTarget } from '@passerelle/fhir';
import { periodRange } from './conditions';
import {
  ACT_REASON_SYSTEM,
  AGENCY_ID_SYSTEM,
  AGENCY_KIND_SYSTEM,
  CONSENT_ACTION_SYSTEM,
  CONSENT_SCOPE_SYSTEM,
  PARTICIPATION_TYPE_SYSTEM,
  PATIENT_PRIVACY,
  RECIPIENT_ROLES,
  RESOURCE_TYPES_SYSTEM,
} from './vocabulary';

/** Consent.status values an agency may record; revoking is an update to `inactive`. */
export const CONSENT_STATUSES = ['draft', 'proposed', 'active', 'rejected', 'inactive', 'entered-in-error'];
const AGENCY_KINDS = ['hospital', 'gp', 'specialist'];
const PERFORMER_TYPES = ['Patient', 'RelatedPerson', 'Practitioner', 'PractitionerRole', 'Organization'];

/** A patient privacy consent (scope consentscope|patient-privacy): the only kind the rules read. */
export function isPrivacyConsent(c: Consent): boolean {
  return (c.scope?.coding ?? []).some((s) => s.system === CONSENT_SCOPE_SYSTEM && s.code === PATIENT_PRIVACY);
}

/**
 * Checks a privacy Consent an agency records on the patient's behalf, beyond the FHIR schema: only
 * what the rules can evaluate is accepted, so a recorded wish is never silently ignored. Returns
 * no issue when it is acceptable.
 */
export function validatePatientConsent(resource: Consent): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const fail = (expression: string, diagnostics: string) =>
    issues.push({ severity: 'error', code: 'invariant', diagnostics, expression: [expression] });
  if (resource.resourceType !== 'Consent') {
    fail('Consent', 'Not a Consent');
    return issues;
  }
  if (!CONSENT_STATUSES.includes(resource.status))
    fail('Consent.status', `status must be one of ${CONSENT_STATUSES.join(', ')}`);
  if (!isPrivacyConsent(resource))
    fail('Consent.scope', `scope must be ${CONSENT_SCOPE_SYSTEM}|${PATIENT_PRIVACY}`);
  if (!isLocalReference(resource.patient?.reference, ['Patient']))
    fail('Consent.patient', 'patient must reference the patient as Patient/<id>');
  if (!resource.performer?.length) fail('Consent.performer', 'at least one performer is required');
  resource.performer?.forEach((p, i) => {
    if (!isLocalReference(p.reference, PERFORMER_TYPES))
      fail(
        `Consent.performer[${i}]`,
        `performer must reference a ${PERFORMER_TYPES.join(', ')} as Type/<id>`,
      );
  });
  if (!resource.dateTime && !resource.sourceAttachment && !resource.sourceReference)
    fail('Consent', 'dateTime or a source (sourceAttachment, sourceReference) is required');
  if (!resource.provision) fail('Consent.provision', 'a privacy consent without a provision changes nothing');
  else checkProvision(resource.provision, 'Consent.provision', true, fail);
  return issues;
}

function checkProvision(
  p: ConsentProvision,
  path: string,
  root: boolean,
  fail: (expression: string, diagnostics: string) => void,
): void {
  if (p.type === undefined && (!root || !p.provision?.length))
    fail(`${path}.type`, 'type (permit or deny) is required here');
  else if (p.type !== undefined && p.type !== 'permit' && p.type !== 'deny')
    fail(`${path}.type`, 'type must be permit or deny');
  p.actor?.forEach((a, i) => {
    const at = `${path}.actor[${i}]`;
    if (
      !(a.role?.coding ?? []).some(
        (c) => c.system === PARTICIPATION_TYPE_SYSTEM && RECIPIENT_ROLES.has(c.code ?? ''),
      )
    )
      fail(`${at}.role`, `role must be ${PARTICIPATION_TYPE_SYSTEM}|IRCP or PRCP (who receives the data)`);
    const { reference, identifier } = a.reference ?? {};
    const wellFormed =
      reference !== undefined
        ? isLocalReference(reference, ['Organization'])
        : (identifier?.system === AGENCY_ID_SYSTEM && isValidId(identifier.value)) ||
          (identifier?.system === AGENCY_KIND_SYSTEM && AGENCY_KINDS.includes(identifier.value ?? ''));
    if (!wellFormed)
      fail(
        `${at}.reference`,
        `actor must be Organization/<agency id>, or an identifier ${AGENCY_ID_SYSTEM}|<agency id> or ${AGENCY_KIND_SYSTEM}|${AGENCY_KINDS.join('|')}`,
      );
  });
  p.purpose?.forEach((c, i) => {
    if (c.system !== ACT_REASON_SYSTEM || !c.code)
      fail(`${path}.purpose[${i}]`, `purpose must be a ${ACT_REASON_SYSTEM} code`);
  });
  p.class?.forEach((c, i) => {
    if (c.system !== RESOURCE_TYPES_SYSTEM || !isSupportedType(c.code ?? ''))
      fail(`${path}.class[${i}]`, `class must be a ${RESOURCE_TYPES_SYSTEM} code the hub stores`);
  });
  if (p.code?.length)
    fail(`${path}.code`, 'the hub does not decide on clinical codes: use class, data or securityLabel');
  p.data?.forEach((d, i) => {
    if (d.meaning !== 'instance' || !isLocalReference(d.reference?.reference))
      fail(`${path}.data[${i}]`, 'data must be meaning "instance" with a reference Type/<id>');
  });
  p.action?.forEach((concept, i) => {
    if (!(concept.coding ?? []).length || concept.coding?.some((c) => c.system !== CONSENT_ACTION_SYSTEM))
      fail(`${path}.action[${i}]`, `action must be coded in ${CONSENT_ACTION_SYSTEM}`);
  });
  p.securityLabel?.forEach((c, i) => {
    if (!c.system || !c.code)
      fail(`${path}.securityLabel[${i}]`, 'a security label needs a system and a code');
  });
  for (const key of ['period', 'dataPeriod'] as const) {
    const period = p[key];
    const range = periodRange(period);
    if (period && (!range || range.lo >= range.hi))
      fail(`${path}.${key}`, `${key} must be valid dates, start before end`);
  }
  p.provision?.forEach((nested, i) => checkProvision(nested, `${path}.provision[${i}]`, false, fail));
}

/** `Type/<id>` (relative, no version), with Type among `types` when given. */
function isLocalReference(reference: string | undefined, types?: readonly string[]): boolean {
  const target = reference === undefined ? undefined : relativeTarget(reference);
  if (target === undefined) return false;
  return types === undefined ? isSupportedType(target.type) : types.includes(target.type);
}
