export { type ParseFhirJsonOptions, assertSafeJsonValue, parseFhirJson } from './safe-json';
export {
  FhirSchemaValidator,
  type FhirSchemaValidatorOptions,
  getFhirSchemaValidator,
} from './schema-validator';
