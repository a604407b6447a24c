/** The parts of the FHIR JSON schema (draft-06) this validator reads or rewrites. */
export interface SchemaNode {
  $ref?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  type?: string;
  pattern?: string;
  [keyword: string]: unknown;
}

/** What the R4 StructureDefinitions say that the JSON schema does not (see fhir-tables.derive.ts). */
export interface FhirTables {
  /** Concrete R4 resource types: the schema file also defines Medplum's own resources. */
  readonly resourceTypes: readonly string[];
  /**
   * Per schema definition, elements with min >= 1 that the schema leaves optional, each with the
   * JSON properties that satisfy it: a primitive may be present as `status` or only as
   * `_status` (extensions), a choice as any of its typed names.
   */
  readonly requiredElements: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** Properties of R4 definitions that R4 does not have (Medplum additions, e.g. Reference.resource). */
  readonly nonR4Properties: Readonly<Record<string, readonly string[]>>;
  /** Definitions whose StructureDefinition disagrees with the schema: left as the schema says. */
  readonly inconsistent: readonly string[];
}

/** Name of the definition a `$ref` such as `#/definitions/HumanName` points to. */
export function refTarget(node: SchemaNode | undefined): string | undefined {
  const ref = node?.$ref ?? node?.items?.$ref;
  return ref?.startsWith('#/definitions/') ? ref.slice('#/definitions/'.length) : undefined;
}
