import type { Extension, Patient } from 'fhir/r4';
import { DEFAULT_LANGUAGE, type Language, LANGUAGES, type LetterKind } from '@passerelle/letters';

/**
 * How a patient is told: the markers an agency sets on its Patient record (top-level extensions)
 * and the language it records. A person may have several records (one per agency, linked by the
 * patient index); the markers of all of them count:
 *
 * - `online-account` (valueBoolean): the person has an online account (a patient portal) where
 *   notices reach them. Any record saying `true` is enough.
 * - `contact-preference` (valueCode `paper` | `digital`): `paper` on any record means letters,
 *   even with an online account. `digital` without an online account changes nothing: there is
 *   nowhere online to reach them.
 * - `contact-preference` `sensitive-by-post` (the extension repeated, beside `paper` or `digital`):
 *   the patient asked to get data labelled sensitive (HIV, mental health, confidentiality R/V ...)
 *   in letters too; without it, letters leave such data out (someone else may open the post).
 * - `large-print` (valueBoolean): letters at 16 pt or more. Any record saying `true`.
 * - Language: `Patient.communication` marked `preferred`, French or English (`fr`, `fr-FR`,
 *   `en-GB`...), on the most recently updated record that has one; French otherwise (the letters
 *   exist in French and English only).
 *
 * The channel: an online account and no paper preference → a FHIR Communication (digital);
 * otherwise a letter. A posted summary was asked for on paper: always a letter.
 */
export const MARKER_BASE = 'https://passerelle.health/fhir/StructureDefinition';
export const ONLINE_ACCOUNT_EXTENSION = `${MARKER_BASE}/online-account`;
export const CONTACT_PREFERENCE_EXTENSION = `${MARKER_BASE}/contact-preference`;
export const LARGE_PRINT_EXTENSION = `${MARKER_BASE}/large-print`;

export type ContactPreference = 'paper' | 'digital' | 'sensitive-by-post';
export type Channel = 'digital' | 'post';

export interface ContactFacts {
  onlineAccount: boolean;
  prefersPaper: boolean;
  largePrint: boolean;
  /** Data labelled sensitive may be printed in this person's letters. */
  sensitiveByPost: boolean;
  language: Language;
  deceased: boolean;
}

/** One record of the person, with when the hub last stored it (the newest speaks first). */
export interface PersonRecord {
  patient: Patient;
  lastUpdated: Date;
  sourceAgency: string | null;
}

function extensionsOf(patient: Patient, url: string): Extension[] {
  return (patient.extension ?? []).filter((e) => e.url === url);
}

function isDeceased(patient: Patient): boolean {
  return patient.deceasedBoolean === true || patient.deceasedDateTime !== undefined;
}

function preferredLanguage(patient: Patient): Language | undefined {
  for (const c of patient.communication ?? []) {
    if (c.preferred !== true) continue;
    const codes = [...(c.language.coding ?? []).map((x) => x.code), c.language.text];
    for (const code of codes) {
      const primary = code?.trim().toLowerCase().split(/[-_]/)[0];
      const found = LANGUAGES.find((l) => l === primary);
      if (found) return found;
    }
  }
  return undefined;
}

/** The newest record first: its language wins. */
export function byNewest(records: readonly PersonRecord[]): PersonRecord[] {
  return [...records].sort((a, b) => b.lastUpdated.getTime() - a.lastUpdated.getTime());
}

export function contactFacts(records: readonly PersonRecord[]): ContactFacts {
  const patients = byNewest(records).map((r) => r.patient);
  const anyTrue = (url: string) =>
    patients.some((p) => extensionsOf(p, url).some((e) => e.valueBoolean === true));
  return {
    onlineAccount: anyTrue(ONLINE_ACCOUNT_EXTENSION),
    prefersPaper: patients.some((p) =>
      extensionsOf(p, CONTACT_PREFERENCE_EXTENSION).some((e) => e.valueCode === 'paper'),
    ),
    largePrint: anyTrue(LARGE_PRINT_EXTENSION),
    sensitiveByPost: patients.some((p) =>
      extensionsOf(p, CONTACT_PREFERENCE_EXTENSION).some((e) => e.valueCode === 'sensitive-by-post'),
    ),
    language: patients.map(preferredLanguage).find((l) => l !== undefined) ?? DEFAULT_LANGUAGE,
    deceased: patients.some(isDeceased),
  };
}

export function chooseChannel(kind: LetterKind, facts: ContactFacts): Channel {
  // Asked for on paper, answered on paper.
  if (kind === 'patient-summary' || kind === 'consent-form-recorded') return 'post';
  return facts.onlineAccount && !facts.prefersPaper ? 'digital' : 'post';
}
