import type { Bundle, Condition, Patient } from 'fhir/r4';

/**
 * The 20 typical searches of a GP's software that bench/search measures (and bench/search-profile
 * takes apart), each a template over a sample patient.
 */

/** A sample patient, with the code of one of its conditions (for `_has`). */
export type Sample = Patient & { conditionCode?: string };
type Template = (p: Sample) => string | undefined;

const LOINC = 'http://loinc.org';
export const QUERIES: Record<string, Template> = {
  'name+birthdate': (p) => `Patient?family=${enc(p.name?.[0]?.family?.slice(0, 4))}&birthdate=${p.birthDate}`,
  'given (accents)': (p) => `Patient?given=${enc(p.name?.[0]?.given?.[0])}`,
  identifier: (p) => `Patient?identifier=${enc(`${p.identifier?.[0]?.system}|${p.identifier?.[0]?.value}`)}`,
  'family:exact': (p) => `Patient?family:exact=${enc(p.name?.[0]?.family)}`,
  'address-city': (p) => `Patient?address-city=${enc(p.address?.[0]?.city?.slice(0, 5))}&_count=10`,
  'encounters by date': (p) => `Encounter?patient=${p.id}&date=ge2015-01-01&_sort=-_lastUpdated`,
  'active conditions': (p) => `Condition?patient=${p.id}&clinical-status=active`,
  'vital signs': (p) => `Observation?patient=${p.id}&category=vital-signs&_count=20`,
  'code + date': (p) => `Observation?patient=${p.id}&code=${enc(`${LOINC}|8867-4`)}&date=ge2020`,
  'value-quantity': (p) => `Observation?patient=${p.id}&value-quantity=gt100`,
  'code-value-quantity': (p) =>
    `Observation?patient=${p.id}&code-value-quantity=${enc(`${LOINC}|8480-6$gt120`)}`,
  'active medications': (p) => `MedicationRequest?patient=${p.id}&status=active`,
  allergies: (p) => `AllergyIntolerance?patient=${p.id}`,
  immunizations: (p) => `Immunization?patient=${p.id}&date=ge2010`,
  documents: (p) => `DocumentReference?patient=${p.id}&_sort=-_lastUpdated&_count=10`,
  'chain subject.family': (p) =>
    `Encounter?subject.family=${enc(p.name?.[0]?.family)}&subject.birthdate=${p.birthDate}`,
  'chain patient.identifier': (p) =>
    `Condition?patient.identifier=${enc(`${p.identifier?.[0]?.system}|${p.identifier?.[0]?.value}`)}`,
  _has: (p) => `Patient?_has:Condition:patient:code=${enc(p.conditionCode)}&birthdate=${p.birthDate}`,
  _include: (p) => `Encounter?patient=${p.id}&_include=Encounter:subject&_count=10`,
  _revinclude: (p) => `Patient?_id=${p.id}&_revinclude=Condition:subject`,
};

export function enc(value: string | undefined): string {
  if (value === undefined) throw new Error('a sample patient lacks a value the query needs');
  return encodeURIComponent(value);
}

/** The first `n` of `ids` that have a Condition (for `_has`), read from the hub. */
export async function samplePatients(
  fhir: string,
  ids: readonly string[],
  auth: Record<string, string>,
  n: number,
): Promise<Sample[]> {
  const sample: Sample[] = [];
  for (const id of ids) {
    if (sample.length === n) break;
    const patient = (await (await fetch(`${fhir}/Patient/${id}`, { headers: auth })).json()) as Patient;
    const conditions = (await (
      await fetch(`${fhir}/Condition?patient=${id}&_count=1`, { headers: auth })
    ).json()) as Bundle<Condition>;
    const conditionCode = conditions.entry?.[0]?.resource?.code?.coding?.[0]?.code;
    if (conditionCode) sample.push({ ...patient, conditionCode });
  }
  return sample;
}
