import type { Extension, Identifier } from 'fhir/r4';
import type { Random } from './random';
import type { AgencyIdentity } from './types';

/** National identifier systems (FR Core / UK Core). */
export const INS_NIR_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const RPPS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.1';
export const FINESS_SYSTEM = 'urn:oid:1.2.250.1.71.4.2.2';
export const GMC_SYSTEM = 'https://fhir.hl7.org.uk/Id/gmc-number';
export const ODS_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';

/**
 * How agencies say a national identifier may be used to exchange data (docs/identity.md): the
 * FR Core identity reliability extension on a Patient with a qualified INS identity, its birthplace
 * by INSEE code, and UK Core's verification status on a traced and verified NHS number.
 */
export const FR_CORE_IDENTITY_RELIABILITY_URL =
  'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability';
export const FR_CORE_IDENTITY_STATUS_SYSTEM =
  'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status';
export const PATIENT_BIRTH_PLACE_URL = 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace';
export const FR_CORE_INSEE_CODE_URL =
  'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code';
const INSEE_COMMUNE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM';
export const NHS_NUMBER_VERIFICATION_STATUS_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
const NHS_NUMBER_VERIFICATION_STATUS_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';

/** A qualified INS identity (RNIV status QUAL): the INS retrieved from INSi and checked on an ID. */
export function qualifiedInsIdentity(): Extension {
  return {
    url: FR_CORE_IDENTITY_RELIABILITY_URL,
    extension: [
      {
        url: 'identityStatus',
        valueCoding: { system: FR_CORE_IDENTITY_STATUS_SYSTEM, code: 'QUAL', display: 'Identité qualifiée' },
      },
    ],
  };
}

/** The birthplace as FR Core gives it: the INSEE code of the commune. */
export function birthPlace(inseeCode: string): Extension {
  return {
    url: PATIENT_BIRTH_PLACE_URL,
    valueAddress: {
      extension: [
        { url: FR_CORE_INSEE_CODE_URL, valueCoding: { system: INSEE_COMMUNE_SYSTEM, code: inseeCode } },
      ],
    },
  };
}

/** The birthplace (INSEE code) a NIR carries: département and commune, after sex, year and month. */
export function nirBirthplace(nir: string): string {
  return nir.slice(5, 10);
}

/** An NHS number traced and verified against the national register (UK Core code 01). */
export function verifiedNhsNumber(): Extension {
  return {
    url: NHS_NUMBER_VERIFICATION_STATUS_URL,
    valueCodeableConcept: {
      coding: [
        { system: NHS_NUMBER_VERIFICATION_STATUS_SYSTEM, code: '01', display: 'Number present and verified' },
      ],
    },
  };
}

/** The kinds of agency-local identifier, each its own system under the agency's base. */
export type LocalKind =
  | 'mrn'
  | 'practitioner'
  | 'organization'
  | 'encounter'
  | 'condition'
  | 'allergy'
  | 'medication-request'
  | 'medication-statement'
  | 'immunization'
  | 'procedure'
  | 'observation'
  | 'diagnostic-report'
  | 'document';

export function localSystem(agency: AgencyIdentity, kind: LocalKind): string {
  return `${agency.identifierSystem.replace(/\/+$/, '')}/${kind}`;
}

export function localIdentifier(agency: AgencyIdentity, kind: LocalKind, value: string): Identifier {
  return { system: localSystem(agency, kind), value };
}

/**
 * NHS number check digit (modulus 11 over the first nine digits, weights 10 to 2);
 * `undefined` when the remainder makes it 10, a number that is never issued.
 */
export function nhsCheckDigit(firstNine: string): number | undefined {
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(firstNine[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 11) return 0;
  return check === 10 ? undefined : check;
}

export function isValidNhsNumber(value: string): boolean {
  return /^\d{10}$/.test(value) && nhsCheckDigit(value.slice(0, 9)) === Number(value[9]);
}

/** NHS numbers from 999 000 0000 are reserved for testing: no real patient is ever matched. */
export function nhsNumber(rng: Random): string {
  for (;;) {
    const firstNine = `999${rng.digits(6)}`;
    const check = nhsCheckDigit(firstNine);
    if (check !== undefined) return `${firstNine}${check}`;
  }
}

/** NIR key: 97 minus the 13-digit number modulo 97, on two digits. */
export function nirKey(thirteen: string): string {
  let remainder = 0;
  for (const digit of thirteen) remainder = (remainder * 10 + Number(digit)) % 97;
  return String(97 - remainder).padStart(2, '0');
}

export function isValidInsNir(value: string): boolean {
  return /^[12]\d{14}$/.test(value) && nirKey(value.slice(0, 13)) === value.slice(13);
}

/**
 * An INS matricule (NIR): sex, year and month of birth, birthplace (département + commune),
 * order number, then the key. Overseas départements have three digits and two for the commune.
 */
export function insNir(rng: Random, sexDigit: '1' | '2', birthDate: string, departement: string): string {
  const year = birthDate.slice(2, 4);
  const month = birthDate.slice(5, 7);
  const place =
    departement === '97'
      ? `974${rng.digits(2)}`
      : `${departement}${String(rng.int(1, 899)).padStart(3, '0')}`;
  const order = String(rng.int(1, 999)).padStart(3, '0');
  const thirteen = `${sexDigit}${year}${month}${place}${order}`;
  return `${thirteen}${nirKey(thirteen)}`;
}

/** Luhn check digit, as used by RPPS numbers. */
export function luhnCheckDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return (10 - (sum % 10)) % 10;
}

/** RPPS: 11 digits, `10` then eight digits then a Luhn key. */
export function rppsNumber(rng: Random): string {
  const body = `10${rng.digits(8)}`;
  return `${body}${luhnCheckDigit(body)}`;
}

/** GMC reference number: seven digits. */
export function gmcNumber(rng: Random): string {
  return String(rng.int(2_000_000, 7_999_999));
}
