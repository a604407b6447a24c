import Ajv from 'ajv';
import type { AnySchemaObject, ErrorObject, SchemaValidateFunction } from 'ajv';
import { readJsonFile } from './fhir-schema';
import { isBase64, isCalendarDate } from './primitives';

/** What a compiled keyword returns to ajv: a check that leaves its errors on itself. */
interface CompiledCheck {
  (data: Record<string, unknown>): boolean;
  errors?: Partial<ErrorObject>[];
}

/** Validates a nested resource (contained, Bundle.entry.resource ...) at `instancePath`. */
export type NestedResourceValidator = (data: unknown, instancePath: string) => Partial<ErrorObject>[];

/** An ajv 8 instance for the FHIR schema: draft-06 meta-schema and the keywords fhir-schema.ts adds. */
export function createFhirAjv(validateNested: NestedResourceValidator): Ajv {
  const ajv = new Ajv({
    allErrors: true, // every issue of a resource in one response, not the first one only
    messages: false, // ajv-issues.ts writes the diagnostics
    strictTypes: false, // the official schema puts `pattern` on booleans and numbers
    strictTuples: false,
  });
  ajv.addMetaSchema(
    readJsonFile(require.resolve('ajv/dist/refs/json-schema-draft-06.json')) as AnySchemaObject,
  );
  addFhirKeywords(ajv, validateNested);
  return ajv;
}

/**
 * The keywords fhir-schema.ts adds to the official schema. Their errors carry no value, only
 * the keyword and, for fhirRequired, the missing element's name.
 */
function addFhirKeywords(ajv: Ajv, validateNested: NestedResourceValidator): void {
  ajv.addKeyword({
    keyword: 'fhirRequired',
    type: 'object',
    schemaType: 'object',
    // Compiled once per definition: validation only reads precomputed pairs.
    compile: (required: Record<string, readonly string[]>) => {
      const elements = Object.entries(required);
      const check: CompiledCheck = (data: Record<string, unknown>) => {
        let errors: Partial<ErrorObject>[] | undefined;
        for (const [name, properties] of elements) {
          if (!properties.some((p) => data[p] !== undefined)) {
            (errors ??= []).push({ keyword: 'fhirRequired', params: { missingProperty: name } });
          }
        }
        check.errors = errors;
        return errors === undefined;
      };
      return check;
    },
  });
  ajv.addKeyword({
    keyword: 'fhirBase64',
    type: 'string',
    schemaType: 'boolean',
    errors: false,
    validate: (_enabled: boolean, data: string) => isBase64(data),
  });
  ajv.addKeyword({
    keyword: 'fhirCalendarDate',
    type: 'string',
    schemaType: 'boolean',
    errors: false,
    validate: (_enabled: boolean, data: string) => isCalendarDate(data),
  });
  const nested: SchemaValidateFunction = (_enabled: boolean, data: unknown, _parentSchema, cxt) => {
    const errors = validateNested(data, cxt?.instancePath ?? '');
    nested.errors = errors;
    return errors.length === 0;
  };
  ajv.addKeyword({ keyword: 'fhirResource', type: 'object', schemaType: 'boolean', validate: nested });
}
