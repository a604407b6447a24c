import { createHash } from 'node:crypto';
import type { Address, HumanName, Identifier, Patient } from 'fhir/r4';
import { type LinkMethod, type MatchGrade, OPERATOR_METHODS } from './mpi.types';
import { normaliseName, normalisePostalCode } from './normalise';
import { insTraitsOf, isQualifiedInsIdentity, isVerifiedNhsNumber, qualifiedKey } from './qualification';

export { normaliseName, normalisePostalCode } from './normalise';

/**
 * The patient index's matching rules, as pure functions. Two kinds of evidence:
 * - a national identifier (France's INS-NIR, the NHS number), validated by its check digits:
 *   the same one, qualified on both records (see qualification.ts) → the same person, certain;
 *   the same one otherwise → a candidate an operator decides on; different in the same system →
 *   never the same person;
 * - five demographics, normalised (family, first given, birth date, gender, postal code): all
 *   equal → a candidate an operator decides on, never an automatic merge.
 */

export const INS_SYSTEM = 'urn:oid:1.2.250.1.213.1.4.8';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';

/** Rule names recorded as evidence, by national identifier system. */
export const NATIONAL_ID_RULES: Readonly<Record<string, string>> = {
  [INS_SYSTEM]: 'ins',
  [NHS_NUMBER_SYSTEM]: 'nhs-number',
};

export const DEMOGRAPHIC_RULES = ['family', 'given', 'birth-date', 'gender', 'postal-code'];
export const NAME_BIRTH_RULES = ['family', 'given', 'birth-date'];

export const MATCH_SCORES: Readonly<Record<MatchGrade, number>> = {
  certain: 1,
  probable: 0.8,
  possible: 0.5,
};

/** NHS number: 10 digits, the last a modulus-11 check digit (weights 10..2; 11 → 0; 10 is invalid). */
export function isValidNhsNumber(value: string): boolean {
  if (!/^\d{10}$/.test(value)) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(value[9]);
}

/**
 * NIR (the INS of a person born or registered in France): 13 characters and a 2-digit key equal
 * to 97 - (number mod 97). Corsica's departments 2A and 2B count as 19 and 18 for the key.
 */
export function isValidNir(value: string): boolean {
  const m = /^([1-478]\d{4})(\d{2}|2A|2B)(\d{6})(\d{2})$/.exec(value);
  if (!m) return false;
  const department = m[2] === '2A' ? '19' : m[2] === '2B' ? '18' : m[2];
  const number = Number(`${m[1]}${department}${m[3]}`); // 13 digits: exact in a double
  return 97 - (number % 97) === Number(m[4]);
}

/** The canonical value of a national identifier, or undefined when it is not one or is invalid. */
export function normaliseNationalId(
  system: string | undefined,
  value: string | undefined,
): string | undefined {
  if (value === undefined) return undefined;
  const compact = value.replace(/[\s-]/g, '').toUpperCase();
  if (system === INS_SYSTEM) return isValidNir(compact) ? compact : undefined;
  if (system === NHS_NUMBER_SYSTEM) return isValidNhsNumber(compact) ? compact : undefined;
  return undefined;
}

/** A patient's valid national identifiers (an `old` identifier is history), with their `system|value` key. */
function nationalIds(patient: Patient): { key: string; identifier: Identifier }[] {
  const found: { key: string; identifier: Identifier }[] = [];
  for (const identifier of patient.identifier ?? []) {
    if (identifier.use === 'old' || identifier.system === undefined) continue;
    const value = normaliseNationalId(identifier.system, identifier.value);
    if (value !== undefined) found.push({ key: `${identifier.system}|${value}`, identifier });
  }
  return found;
}

/** `system|value` keys of a patient's valid national identifiers. */
export function nationalIdKeys(patient: Patient): string[] {
  return [...new Set(nationalIds(patient).map((n) => n.key))].sort();
}

/**
 * The qualified keys of a patient's national identifiers: an INS on a qualified identity that
 * carries its traits, an NHS number whose verification status says verified.
 */
export function qualifiedIdKeys(patient: Patient): string[] {
  const keys = new Set<string>();
  const insTraits = isQualifiedInsIdentity(patient) ? insTraitsOf(patient) : undefined;
  for (const { key, identifier } of nationalIds(patient)) {
    if (identifier.system === INS_SYSTEM && insTraits !== undefined) keys.add(qualifiedKey(key, insTraits));
    if (identifier.system === NHS_NUMBER_SYSTEM && isVerifiedNhsNumber(identifier))
      keys.add(qualifiedKey(key, undefined));
  }
  return [...keys].sort();
}

const systemOf = (key: string): string => key.slice(0, key.indexOf('|'));

/** True when two sets of national id keys disagree: the same system with different values. */
export function nationalIdsConflict(a: readonly string[], b: readonly string[]): boolean {
  return a.some((x) => b.some((y) => x !== y && systemOf(x) === systemOf(y)));
}

/** Rule names of the national id keys `a` shares with `b`. */
export function sharedNationalIdRules(a: readonly string[], b: readonly string[]): string[] {
  return [
    ...new Set(a.filter((k) => b.includes(k)).map((k) => NATIONAL_ID_RULES[systemOf(k)] ?? 'national-id')),
  ].sort();
}

/** The name that identifies: official, else usual, else the first one that is not old or a nickname. */
function primaryName(names: readonly HumanName[] | undefined): HumanName | undefined {
  const usable = (names ?? []).filter(
    (n) => n.use !== 'old' && n.use !== 'nickname' && n.use !== 'anonymous',
  );
  return usable.find((n) => n.use === 'official') ?? usable.find((n) => n.use === 'usual') ?? usable[0];
}

function primaryPostalCode(addresses: readonly Address[] | undefined): string | undefined {
  const usable = (addresses ?? []).filter((a) => a.use !== 'old' && a.postalCode !== undefined);
  return (usable.find((a) => a.use === 'home') ?? usable[0])?.postalCode;
}

export interface Demographics {
  family: string;
  given: string;
  birthDate: string;
  gender: string;
  postalCode: string;
}

/** The normalised demographics, each undefined when missing (an `unknown` gender is missing). */
export function demographicsOf(patient: Patient): Partial<Demographics> {
  const name = primaryName(patient.name);
  const nonEmpty = (s: string | undefined) => (s !== undefined && s.length > 0 ? s : undefined);
  const fold = (s: string | undefined, f: (v: string) => string) =>
    nonEmpty(s === undefined ? undefined : f(s));
  return {
    family: fold(name?.family, normaliseName),
    given: fold(name?.given?.[0], normaliseName),
    birthDate: /^\d{4}-\d{2}-\d{2}$/.test(patient.birthDate ?? '') ? patient.birthDate : undefined,
    gender: patient.gender !== undefined && patient.gender !== 'unknown' ? patient.gender : undefined,
    postalCode: fold(primaryPostalCode(patient.address), normalisePostalCode),
  };
}

/** Keys are hashes, so the index tables hold no names. `v1` changes if normalisation does. */
function hashKey(parts: string[]): string {
  return createHash('sha256')
    .update(`v1|${parts.join('|')}`)
    .digest('hex');
}

/** The blocking keys of a patient: what the index stores and looks up. */
export interface PatientKeys {
  nationalIds: string[];
  /** The national ids that may link by themselves (qualification.ts): drives automatic links. */
  qualifiedIds: string[];
  /** All five demographics: drives candidates. */
  demographic?: string;
  /** Family, given and birth date only: a `possible` answer to $match, never a candidate. */
  nameBirth?: string;
}

export function keysOf(patient: Patient): PatientKeys {
  const d = demographicsOf(patient);
  const keys: PatientKeys = { nationalIds: nationalIdKeys(patient), qualifiedIds: qualifiedIdKeys(patient) };
  if (d.family && d.given && d.birthDate) {
    keys.nameBirth = hashKey([d.family, d.given, d.birthDate]);
    if (d.gender && d.postalCode)
      keys.demographic = hashKey([d.family, d.given, d.birthDate, d.gender, d.postalCode]);
  }
  return keys;
}

export type KeyKind = 'nid' | 'qid' | 'demo' | 'name-dob';

export interface KeyRow {
  kind: KeyKind;
  value: string;
}

export function keyRows(keys: PatientKeys): KeyRow[] {
  const rows: KeyRow[] = [
    ...keys.nationalIds.map((value) => ({ kind: 'nid' as const, value })),
    ...keys.qualifiedIds.map((value) => ({ kind: 'qid' as const, value })),
  ];
  if (keys.demographic) rows.push({ kind: 'demo', value: keys.demographic });
  if (keys.nameBirth) rows.push({ kind: 'name-dob', value: keys.nameBirth });
  return rows;
}

/** Advisory lock names: only keys that decide links or candidates need to serialise writers. */
export function lockNames(patientId: string, rows: readonly KeyRow[]): string[] {
  return [
    `mpi:patient:${patientId}`,
    ...rows.filter((r) => r.kind !== 'name-dob').map((r) => `mpi:${r.kind}:${r.value}`),
  ];
}

export function sameKeyRows(a: readonly KeyRow[], b: readonly KeyRow[]): boolean {
  const text = (rows: readonly KeyRow[]) =>
    rows
      .map((r) => `${r.kind}:${r.value}`)
      .sort()
      .join(',');
  return text(a) === text(b);
}

/** A person holding records whose qualified national id agrees with the record being linked. */
export interface PersonMatch {
  personId: string;
  /** How many of its records agree. */
  records: number;
  createdAt: Date;
  /** Whether any of its records carries a different national id in the same system. */
  conflicts: boolean;
}

export type LinkDecision = { kind: 'keep' } | { kind: 'join'; personId: string } | { kind: 'new' };

/**
 * Where a written record belongs. `matches` are the persons holding a record whose qualified
 * national id agrees with this record's (qualifiedKeysAgree): nothing weaker ever links.
 * - A record never stays with, nor joins, a person holding a conflicting national id.
 * - Otherwise an operator's decision stands, and so does a person it still matches.
 * - Otherwise it joins the matching person (most records, then oldest); or a record that had
 *   joined its person on a qualified national id leaves it, since that evidence no longer holds;
 *   or it keeps its person; or, the first of its kind, gets a new one.
 */
export function decideLink(
  current: { personId: string; method: LinkMethod } | undefined,
  conflictsWithCurrent: boolean,
  matches: readonly PersonMatch[],
): LinkDecision {
  const targets = matches
    .filter((m) => !m.conflicts)
    .sort(
      (a, b) =>
        b.records - a.records ||
        a.createdAt.getTime() - b.createdAt.getTime() ||
        a.personId.localeCompare(b.personId),
    );
  if (current && !conflictsWithCurrent) {
    if (OPERATOR_METHODS.includes(current.method)) return { kind: 'keep' };
    if (targets.some((t) => t.personId === current.personId)) return { kind: 'keep' };
  }
  const target = targets.find((t) => t.personId !== current?.personId);
  if (target) return { kind: 'join', personId: target.personId };
  return current && !conflictsWithCurrent && current.method !== 'national-id'
    ? { kind: 'keep' }
    : { kind: 'new' };
}
