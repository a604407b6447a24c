import { createHash } from 'node:crypto';
import type { Coding, Extension, Identifier, Patient } from 'fhir/r4';
import { normaliseName } from './normalise';

/**
 * When a national identifier may link records by itself (docs/identity.md has the sources):
 * - an INS (NIR) only on a qualified identity: the FR Core identity reliability extension says
 *   so, nothing on it says the identity is doubtful, fictitious or disabled, and the record
 *   carries the INS traits (birth name, first given name, birth date, sex), which must agree
 *   with the other record's (and so must the birthplace code where both give one);
 * - an NHS number only when its UK Core verification status is "number present and verified".
 */

export const FR_CORE_IDENTITY_RELIABILITY_URL =
  'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability';
/** The RNIV's four statuses (FR Core after 2.2.0-ballot-2): only QUAL is a qualified identity. */
export const FR_CORE_IDENTITY_STATUS_SYSTEM =
  'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status';
/** HL7 v2 table 0445 as FR Core up to 2.2.0-ballot-2 binds it: VALI is the status an INS travels with. */
export const FR_CORE_V2_0445_SYSTEM = 'https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0445';
export const PATIENT_BIRTH_PLACE_URL = 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace';
/** The ANS nomenclature of communes (TRE-R13), which FR Core's INSEE code extension draws on. */
const INSEE_COMMUNE_SYSTEM = 'https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM';
export const FR_CORE_INSEE_CODE_URL =
  'https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code';

export const NHS_NUMBER_VERIFICATION_STATUS_URL =
  'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_STATUS_SYSTEM =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
const NHS_NUMBER_VERIFICATION_STATUS_WALES =
  'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusWales';
/** "Number present and verified" (England), "number present and traced" (Wales). */
const NHS_NUMBER_VERIFIED = '01';

const QUALIFIED_STATUSES: readonly (readonly [string, string])[] = [
  [FR_CORE_IDENTITY_STATUS_SYSTEM, 'QUAL'],
  [FR_CORE_V2_0445_SYSTEM, 'QUAL'],
  [FR_CORE_V2_0445_SYSTEM, 'VALI'],
];

/**
 * Annotations that take qualification away whatever the status says: doubtful, fictitious,
 * disabled, usurped or invalidated identities, confirmed duplicates and collisions.
 */
const DISQUALIFYING_COMMENTS = new Set(['DOUT', 'FICT', 'DESA', 'DOUA', 'COLV', 'USUR', 'INVA']);

const codingsOf = (ext: Extension): Coding[] => [
  ...(ext.valueCoding ? [ext.valueCoding] : []),
  ...(ext.valueCodeableConcept?.coding ?? []),
];

/**
 * Whether the agency says this identity is qualified. Every status it gives must be a qualified
 * one (an identity cannot be qualified and provisional at once), and at least one must be given.
 */
export function isQualifiedInsIdentity(patient: Patient): boolean {
  const reliability = (patient.extension ?? []).filter((e) => e.url === FR_CORE_IDENTITY_RELIABILITY_URL);
  const parts = reliability.flatMap((e) => e.extension ?? []);
  const statuses = parts.filter((p) => p.url === 'identityStatus').flatMap(codingsOf);
  const comments = parts.filter((p) => p.url === 'comment').flatMap(codingsOf);
  if (statuses.length === 0) return false;
  if (comments.some((c) => c.code !== undefined && DISQUALIFYING_COMMENTS.has(c.code))) return false;
  return statuses.every((s) =>
    QUALIFIED_STATUSES.some(([system, code]) => s.system === system && s.code === code),
  );
}

/** Whether this NHS number identifier carries the verified status. */
export function isVerifiedNhsNumber(identifier: Identifier): boolean {
  const codings = (identifier.extension ?? [])
    .filter((e) => e.url === NHS_NUMBER_VERIFICATION_STATUS_URL)
    .flatMap(codingsOf);
  return (
    codings.length > 0 &&
    codings.every(
      (c) =>
        (c.system === NHS_NUMBER_VERIFICATION_STATUS_SYSTEM ||
          c.system === NHS_NUMBER_VERIFICATION_STATUS_WALES) &&
        c.code === NHS_NUMBER_VERIFIED,
    )
  );
}

/** The INS traits, normalised; undefined when one of the four required traits is missing. */
export interface InsTraits {
  family: string;
  given: string;
  birthDate: string;
  gender: string;
  /** The INSEE code of the birthplace, when given. */
  birthplace?: string;
}

/**
 * The birth name is FR Core's `official` name (the usual one may be a married name); the first
 * given name is its first `given`.
 */
export function insTraitsOf(patient: Patient): InsTraits | undefined {
  const official = (patient.name ?? []).find((n) => n.use === 'official');
  const family = official?.family === undefined ? '' : normaliseName(official.family);
  const given = official?.given?.[0] === undefined ? '' : normaliseName(official.given[0]);
  const birthDate = /^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate ?? '') ? patient.birthDate : undefined;
  const gender = patient.gender !== undefined && patient.gender !== 'unknown' ? patient.gender : undefined;
  if (family === '' || given === '' || birthDate === undefined || gender === undefined) return undefined;
  const birthplace = birthplaceOf(patient);
  return { family, given, birthDate, gender, ...(birthplace !== undefined ? { birthplace } : {}) };
}

function birthplaceOf(patient: Patient): string | undefined {
  const place = (patient.extension ?? []).find((e) => e.url === PATIENT_BIRTH_PLACE_URL)?.valueAddress;
  const code = place?.extension?.find((e) => e.url === FR_CORE_INSEE_CODE_URL)?.valueCoding?.code;
  const compact = code?.replace(/\s/g, '').toUpperCase();
  return compact !== undefined && compact.length > 0 ? compact : undefined;
}

const hash = (parts: readonly string[]): string =>
  createHash('sha256')
    .update(`v1|${parts.join('|')}`)
    .digest('hex');

/**
 * The qualified key of a national id: `system|value|traits|birthplace`, the traits and the
 * birthplace hashed with the id (the index holds no names), the birthplace empty when not given.
 * An NHS number has no traits to compare: `system|value|verified|`.
 */
export function qualifiedKey(nationalIdKey: string, traits: InsTraits | undefined): string {
  if (traits === undefined) return `${nationalIdKey}|verified|`;
  const { family, given, birthDate, gender, birthplace } = traits;
  const traitsHash = hash([nationalIdKey, family, given, birthDate, gender]);
  const placeHash = birthplace === undefined ? '' : hash([nationalIdKey, birthplace]);
  return `${nationalIdKey}|${traitsHash}|${placeHash}`;
}

/** Whether two qualified keys agree: same id and traits, and the same birthplace where both give one. */
export function qualifiedKeysAgree(a: string, b: string): boolean {
  const [idA, traitsA, placeA] = splitQualified(a);
  const [idB, traitsB, placeB] = splitQualified(b);
  return idA === idB && traitsA === traitsB && (placeA === '' || placeB === '' || placeA === placeB);
}

/** The national id key (`system|value`) a qualified key is about. */
export function nationalIdOfQualified(key: string): string {
  return splitQualified(key)[0];
}

function splitQualified(key: string): [string, string, string] {
  const place = key.lastIndexOf('|');
  const traits = key.lastIndexOf('|', place - 1);
  return [key.slice(0, traits), key.slice(traits + 1, place), key.slice(place + 1)];
}

/** The extension an agency sends with a qualified INS identity (FR Core's RNIV status). */
export function qualifiedInsExtension(): Extension {
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

/** The birthplace extension of FR Core, by INSEE code. */
export function birthplaceExtension(inseeCode: string): Extension {
  return {
    url: PATIENT_BIRTH_PLACE_URL,
    valueAddress: {
      extension: [
        { url: FR_CORE_INSEE_CODE_URL, valueCoding: { system: INSEE_COMMUNE_SYSTEM, code: inseeCode } },
      ],
    },
  };
}

/** The extension of an NHS number identifier that was traced and verified. */
export function verifiedNhsNumberExtension(): Extension {
  return {
    url: NHS_NUMBER_VERIFICATION_STATUS_URL,
    valueCodeableConcept: {
      coding: [
        {
          system: NHS_NUMBER_VERIFICATION_STATUS_SYSTEM,
          code: NHS_NUMBER_VERIFIED,
          display: 'Number present and verified',
        },
      ],
    },
  };
}
