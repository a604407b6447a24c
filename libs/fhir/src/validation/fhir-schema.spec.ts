import { SUPPORTED_TYPES } from '../resource-types';
import { createFhirAjv } from './fhir-ajv';
import { loadFhirSchema } from './fhir-schema';
import { FHIR_TABLES } from './fhir-tables.generated';
import { FhirSchemaValidator } from './schema-validator';

/** Which types validate, and the schema as adapted for ajv (fhir-schema.ts). */
const validator = new FhirSchemaValidator();
const patient = { resourceType: 'Patient', name: [{ family: 'Dupré' }] };

describe('FhirSchemaValidator: resourceType', () => {
  it.each([
    ['an array', [patient], 'A resource must be a JSON object', undefined],
    ['null', null, 'A resource must be a JSON object', undefined],
    ['no resourceType', { id: 'x' }, "Missing required element 'resourceType'", 'Resource'],
    ['a numeric resourceType', { resourceType: 42 }, 'Wrong type: resourceType must be a string', 'Resource'],
    ['an unknown type', { resourceType: 'Patiente' }, "Unknown resource type 'Patiente'", 'Resource'],
    [
      'a Medplum-only type',
      { resourceType: 'ClientApplication' },
      "Unknown resource type 'ClientApplication'",
      'Resource',
    ],
    ['a type that is not a name', { resourceType: 'Jean Dupont' }, 'Unknown resource type', 'Resource'],
  ])('gives one issue for %s', (_case, resource, diagnostics, expression) => {
    const issues = validator.validate(resource);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.diagnostics).toBe(diagnostics);
    expect(issues[0]?.expression?.[0]).toBe(expression);
  });

  it('compiles every supported type, whose bare resource lacks only required elements', () => {
    validator.warmUp(SUPPORTED_TYPES);
    for (const type of SUPPORTED_TYPES) {
      expect(validator.validate({ resourceType: type }).every((i) => i.code === 'required')).toBe(true);
    }
    expect(validator.validate({ resourceType: 'Observation' }).length).toBeGreaterThan(0);
  });
});

describe('the schema as loaded', () => {
  it('is a valid draft-06 schema, custom keywords included', () => {
    const ajv = createFhirAjv(() => []);
    expect(ajv.validateSchema(loadFhirSchema(FHIR_TABLES).schema)).toBe(true);
  });

  it('keeps no JavaScript \\s or \\S in its patterns (FHIR means XML whitespace)', () => {
    const patterns: string[] = [];
    JSON.stringify(loadFhirSchema(FHIR_TABLES).schema, (key, value: unknown) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns.length).toBeGreaterThan(100);
    expect(patterns.filter((p) => /\\[sS]/.test(p))).toEqual([]);
  });
});
