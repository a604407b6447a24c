import type { FhirResource } from 'fhir/r4';
import { agencyCountry, defaultAgencies, organizationAsSeenBy } from './agencies';
import {
  generateAllergies,
  generateConditions,
  generateEncounters,
  generateProcedures,
  type RecordLinks,
} from './clinical';
import { RecordContext } from './context';
import { copyJson } from './json';
import { generateDocuments } from './documents';
import {
  generateImmunizations,
  generateMedicationRequests,
  generateMedicationStatements,
} from './medications';
import { generateObservations } from './observations';
import {
  createPerson,
  patientResource,
  PRACTITIONERS_PER_AGENCY,
  practitionerName,
  practitionerResource,
} from './patient';
import { createRandom, type Random } from './random';
import type {
  Country,
  GeneratePatientOptions,
  SensitiveTheme,
  SyntheticEntry,
  SyntheticPatient,
} from './types';

export const DEFAULT_RESOURCES_PER_PATIENT = 50;

/** Clinical resources per kind, relative; observations take what is left (22 of 46 by default). */
const WEIGHTS = {
  encounters: 4,
  conditions: 4,
  allergies: 1,
  medicationRequests: 3,
  medicationStatements: 2,
  immunizations: 3,
  procedures: 2,
  diagnosticReports: 3,
  documents: 2,
} as const;
const WEIGHT_TOTAL = 46;
const MIN_CLINICAL = Object.keys(WEIGHTS).length + 1;

export type ClinicalCounts = Record<keyof typeof WEIGHTS | 'observations', number>;

/** How `clinical` resources are shared out: at least one of each kind, the same total every time. */
export function allocateCounts(clinical: number): ClinicalCounts {
  const counts = { observations: 0 } as ClinicalCounts;
  let used = 0;
  for (const [kind, weight] of Object.entries(WEIGHTS) as [keyof typeof WEIGHTS, number][]) {
    counts[kind] = Math.max(1, Math.round((clinical * weight) / WEIGHT_TOTAL));
    used += counts[kind];
  }
  counts.observations = clinical - used;
  return counts;
}

/**
 * Nearly half the records from age 12 have a sensitive topic (mental health mostly, HIV):
 * enriched well beyond real prevalence so that consent filtering is exercised on every run.
 */
function chooseTheme(rng: Random, age: number): SensitiveTheme | undefined {
  if (age < 12 || !rng.chance(0.48)) return undefined;
  return rng.chance(0.8) ? 'PSY' : 'HIV';
}

/**
 * One patient's record at one agency. The person (name, birth, address, national identifier)
 * depends on (seed, index, country) only, so two agencies generating the same (seed, index)
 * hold the same person, each with its own MRN and its own clinical history.
 */
export function generatePatient(options: GeneratePatientOptions): SyntheticPatient {
  const { seed } = options;
  const index = options.index ?? 0;
  if (!Number.isSafeInteger(index) || index < 0)
    throw new RangeError(`index must be a non-negative integer, got ${index}`);
  const country: Country =
    options.country ?? (options.agency !== undefined ? agencyCountry(options.agency) : undefined) ?? 'FR';
  const agency = options.agency ?? defaultAgencies(country).hospital;
  const agencyHome = agencyCountry(agency) ?? country;
  const gp = options.gp ?? defaultAgencies(agencyHome).gp;
  const total = options.resourcesPerPatient ?? DEFAULT_RESOURCES_PER_PATIENT;
  const gpRecord = gp.id === agency.id;
  const fixed = gpRecord ? 3 : 4;
  if (!Number.isSafeInteger(total) || total < fixed + MIN_CLINICAL) {
    throw new RangeError(
      `resourcesPerPatient must be an integer of at least ${fixed + MIN_CLINICAL}, got ${total}`,
    );
  }

  const root = createRandom(seed).fork('patient', index);
  const person = createPerson(root.fork('person', country), country);
  const rng = root.fork('record', agency.id);
  const theme = chooseTheme(rng.fork('theme'), person.age);
  const key = `${seed}-${String(index).padStart(6, '0')}`;
  const ctx = new RecordContext(
    rng,
    root.fork('uuid', agency.id),
    country,
    agency,
    key,
    person.birthDate,
    person.age,
    theme,
  );

  // Directory first: everything else refers to it.
  const agencyOrganization = organizationAsSeenBy(agency, agency);
  const organization = ctx.add(agencyOrganization, true, agencyOrganization.name);
  let gpOrganization = organization;
  if (!gpRecord) {
    const copy = organizationAsSeenBy(agency, gp);
    gpOrganization = ctx.add(copy, true, copy.name);
  }
  const practitioner = practitionerResource(
    agency,
    agencyHome,
    rng.fork('practitioner').int(0, PRACTITIONERS_PER_AGENCY - 1),
  );
  const practitionerRef = ctx.add(practitioner, true, practitionerName(practitioner));
  const patient = patientResource(person, {
    agency,
    mrn: key,
    organization,
    generalPractitioner: gpRecord ? [gpOrganization, practitionerRef] : [gpOrganization],
  });
  const links: RecordLinks = { patient: ctx.add(patient), practitioner: practitionerRef, organization };

  const counts = allocateCounts(total - fixed);
  const encounters = generateEncounters(ctx, counts.encounters, links, gpRecord);
  const conditions = generateConditions(ctx, counts.conditions, encounters, links);
  generateAllergies(ctx, counts.allergies, encounters, links);
  const medications = generateMedicationRequests(
    ctx,
    counts.medicationRequests,
    conditions,
    encounters,
    links,
  );
  generateMedicationStatements(ctx, counts.medicationStatements, conditions, encounters, links);
  generateImmunizations(ctx, counts.immunizations, links);
  const procedures = generateProcedures(ctx, counts.procedures, encounters, links);
  const { labLines } = generateObservations(
    ctx,
    { observations: counts.observations, reports: counts.diagnosticReports },
    person.sex,
    encounters,
    conditions,
    links,
  );
  generateDocuments(
    ctx,
    counts.documents,
    {
      name: person.displayName,
      gender: person.gender,
      birthDate: person.birthDate,
      nationalId: person.nationalId,
      author: practitionerName(practitioner),
      organization: agencyOrganization.name ?? agency.id,
    },
    { encounters, conditions, medications, procedures, labLines },
    links,
  );

  // Generators share Reference objects; detached copies let callers edit one resource safely.
  const entries: SyntheticEntry[] = ctx.entries.map((e) => ({ ...e, resource: copyJson(e.resource) }));
  return {
    seed,
    index,
    country,
    agencyId: agency.id,
    ...(theme !== undefined ? { sensitiveTheme: theme } : {}),
    patient: ofType(entries, 'Patient')[0],
    practitioner: ofType(entries, 'Practitioner')[0],
    organizations: ofType(entries, 'Organization'),
    encounters: ofType(entries, 'Encounter'),
    conditions: ofType(entries, 'Condition'),
    allergies: ofType(entries, 'AllergyIntolerance'),
    medicationRequests: ofType(entries, 'MedicationRequest'),
    medicationStatements: ofType(entries, 'MedicationStatement'),
    immunizations: ofType(entries, 'Immunization'),
    procedures: ofType(entries, 'Procedure'),
    observations: ofType(entries, 'Observation'),
    diagnosticReports: ofType(entries, 'DiagnosticReport'),
    documents: ofType(entries, 'DocumentReference'),
    entries,
  };
}

export interface GeneratePatientsOptions extends Omit<GeneratePatientOptions, 'seed' | 'index' | 'country'> {
  /** 'mixed': each patient French or British, drawn from the seed. Default as generatePatient. */
  country?: Country | 'mixed';
  /** Index of the first patient (to generate a population in slices). Default 0. */
  firstIndex?: number;
}

/** Country of patient `index` in a mixed population. */
export function mixedCountry(seed: number, index: number): Country {
  return createRandom(seed).fork('country', index).chance(0.5) ? 'FR' : 'GB';
}

export function generatePatients(
  count: number,
  seed: number,
  options: GeneratePatientsOptions = {},
): SyntheticPatient[] {
  if (!Number.isSafeInteger(count) || count < 0)
    throw new RangeError(`count must be a non-negative integer, got ${count}`);
  const { country, firstIndex = 0, ...rest } = options;
  return Array.from({ length: count }, (_, i) => {
    const index = firstIndex + i;
    return generatePatient({
      ...rest,
      seed,
      index,
      ...(country === 'mixed'
        ? { country: mixedCountry(seed, index) }
        : country !== undefined
          ? { country }
          : {}),
    });
  });
}

function ofType<K extends FhirResource['resourceType']>(
  entries: readonly SyntheticEntry[],
  type: K,
): Extract<FhirResource, { resourceType: K }>[] {
  return entries
    .map((e) => e.resource)
    .filter((r): r is Extract<FhirResource, { resourceType: K }> => r.resourceType === type);
}
