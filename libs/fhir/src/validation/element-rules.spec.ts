import type { Observation, Patient } from 'fhir/r4';
import { isBase64, isCalendarDate } from './primitives';
import { FhirSchemaValidator } from './schema-validator';

/** FHIR rules the JSON schema does not state: no empty values, nulls only where aligned, depth. */
const validator = new FhirSchemaValidator({ maxDepth: 40 });

const patient: Patient = {
  resourceType: 'Patient',
  name: [{ family: 'Nguyễn', given: ['Thị', 'Mai'] }],
  birthDate: '1992-07-14',
};

const issuesOf = (resource: unknown) =>
  validator.validate(resource).map((i) => ({ code: i.code, at: i.expression?.[0], says: i.diagnostics }));

describe('empty values and nulls', () => {
  it.each([
    [
      'an empty string',
      { ...patient, name: [{ family: '' }] },
      'Patient.name[0].family',
      'value',
      'Empty string',
    ],
    [
      'an empty string in a list',
      { ...patient, name: [{ given: ['Mai', ''] }] },
      'Patient.name[0].given[1]',
      'value',
      'Empty string',
    ],
    ['an empty array', { ...patient, identifier: [] }, 'Patient.identifier', 'structure', 'Empty array'],
    [
      'an empty object',
      { ...patient, maritalStatus: {} },
      'Patient.maritalStatus',
      'structure',
      'Empty object',
    ],
    [
      'an empty object in a list',
      { ...patient, telecom: [{ system: 'phone', value: '0600000000' }, {}] },
      'Patient.telecom[1]',
      'structure',
      'Empty object',
    ],
    [
      'a null element',
      { ...patient, birthDate: null },
      'Patient.birthDate',
      'structure',
      'null is not allowed',
    ],
    [
      'a null object',
      { ...patient, managingOrganization: null },
      'Patient.managingOrganization',
      'structure',
      'null is not allowed',
    ],
    [
      'a null in a list without a _ twin',
      { ...patient, name: [{ given: ['Mai', null] }] },
      'Patient.name[0].given[1]',
      'structure',
      "matching '_' array",
    ],
  ])('reports %s once, at its element', (_case, resource, at, code, says) => {
    expect(issuesOf(resource)).toEqual([{ code, at, says: expect.stringContaining(says) as unknown }]);
  });

  it('reports an empty contained resource once, not also its missing resourceType', () => {
    expect(issuesOf({ ...patient, contained: [{}] }).map((i) => i.at)).toEqual(['Patient.contained[0]']);
  });

  it('accepts nulls that keep a primitive list aligned with its extensions', () => {
    const extension = [
      { url: 'http://hl7.org/fhir/StructureDefinition/iso21090-EN-qualifier', valueCode: 'CL' },
    ];
    const aligned = { ...patient, name: [{ given: ['Mai', null], _given: [null, { extension }] }] };
    expect(validator.validate(aligned)).toEqual([]);
  });

  it('refuses nulls on both sides of the alignment, or lists of different lengths', () => {
    const both = { ...patient, name: [{ given: ['Mai', null], _given: [null, null] }] };
    // _given[0] is fine (given[0] has a value); position 1 has neither a value nor extensions.
    expect(issuesOf(both).map((i) => i.at)).toEqual([
      'Patient.name[0].given[1]',
      'Patient.name[0]._given[1]',
    ]);
    const shorter = { ...patient, name: [{ given: ['Mai', null], _given: [null] }] };
    expect(issuesOf(shorter).map((i) => i.at)).toEqual([
      'Patient.name[0].given[1]',
      'Patient.name[0]._given[0]',
    ]);
  });

  it('reports empty values inside Bundle entries from the Bundle root', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'collection',
      entry: [{ resource: { ...patient, gender: '' } }],
    };
    expect(issuesOf(bundle).map((i) => i.at)).toEqual(['Bundle.entry[0].resource.gender']);
  });
});

describe('primitive rules corrected from the official schema', () => {
  it('accepts French text with NBSP and narrow NBSP, which JavaScript counts as \\s', () => {
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Tension\u00a0artérielle' },
      note: [{ text: 'À revoir\u202f: contrôle dans 3\u00a0mois\u202f!' }],
    };
    expect(validator.validate(observation)).toEqual([]);
  });

  it('still refuses a code with XML whitespace in it', () => {
    expect(issuesOf({ ...patient, gender: 'fe male' }).map((i) => i.at)).toEqual(['Patient.gender']);
    const obs = { resourceType: 'Observation', status: 'final', code: { coding: [{ code: ' 4548-4' }] } };
    expect(issuesOf(obs).map((i) => i.at)).toEqual(['Observation.code.coding[0].code']);
  });

  it('requires Narrative.div to be a string (the schema gives xhtml no type)', () => {
    const narrative = { ...patient, text: { status: 'generated', div: { p: 'Mai' } } };
    expect(issuesOf(narrative)).toEqual([
      { code: 'structure', at: 'Patient.text.div', says: 'Wrong type: expected a string' },
    ]);
  });

  it('requires Extension.url', () => {
    const extension = [{ valueString: 'x' }];
    expect(issuesOf({ ...patient, extension })).toEqual([
      { code: 'required', at: 'Patient.extension[0].url', says: "Missing required element 'url'" },
    ]);
  });

  it('checks base64Binary in linear time where the official pattern backtracks exponentially', () => {
    const hostile = `${'QUJD  '.repeat(5_000)}!`;
    const resource = {
      ...patient,
      extension: [{ url: 'http://example.org/fhir/StructureDefinition/scan', valueBase64Binary: hostile }],
    };
    const started = Date.now();
    expect(issuesOf(resource).map((i) => i.at)).toEqual(['Patient.extension[0].valueBase64Binary']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['QUJD', true],
    ['QUI=', true],
    ['QQ==', true],
    ['QUJD\n REVG', true],
    ['QUJ', false],
    ['Q===', false],
    ['QUJD!', false],
  ])('isBase64(%j) is %s', (value, expected) => {
    expect(isBase64(value)).toBe(expected);
  });

  it.each([
    ['2024-02-29', true],
    ['2023-02-29', false],
    ['2000-02-29', true],
    ['1900-02-29', false],
    ['2024-04-31', false],
    ['2024-04-30T23:59:59Z', true],
    ['2024-02', true],
  ])('isCalendarDate(%j) is %s', (value, expected) => {
    expect(isCalendarDate(value)).toBe(expected);
  });
});

describe('limits', () => {
  it('answers a resource nested deeper than maxDepth with one issue, not a stack overflow', () => {
    let extension: Record<string, unknown> = { url: 'http://example.org/leaf', valueString: 'x' };
    for (let i = 0; i < 10_000; i++) extension = { url: 'http://example.org/node', extension: [extension] };
    const issues = issuesOf({ ...patient, extension: [extension] });
    expect(issues).toEqual([
      { code: 'structure', at: 'Patient', says: 'Elements are nested deeper than 40' },
    ]);
  });

  it('validates nesting within maxDepth', () => {
    let extension: Record<string, unknown> = { url: 'http://example.org/leaf', valueString: 'x' };
    for (let i = 0; i < 15; i++) extension = { url: 'http://example.org/node', extension: [extension] };
    expect(validator.validate({ ...patient, extension: [extension] })).toEqual([]);
  });

  it('validates nesting up to the default maxDepth (100) without exhausting the stack', () => {
    let extension: Record<string, unknown> = { url: 'http://example.org/leaf', valueString: 'x' };
    for (let i = 0; i < 48; i++) extension = { url: 'http://example.org/node', extension: [extension] };
    const resource = { ...patient, extension: [extension] };
    expect(new FhirSchemaValidator().validate(resource)).toEqual([]);
    expect(new FhirSchemaValidator({ maxDepth: 97 }).validate(resource)).toHaveLength(1);
  });

  it('caps the issues at 20, the last one counting the rest', () => {
    const resource: Record<string, unknown> = { ...patient };
    for (let i = 0; i < 30; i++) resource[`unknown${i}`] = true;
    const issues = validator.validate(resource);
    expect(issues).toHaveLength(20);
    expect(issues.slice(0, 19).every((i) => i.severity === 'error')).toBe(true);
    expect(issues[19]).toEqual({
      severity: 'information',
      code: 'informational',
      diagnostics: '11 more issues not shown',
    });
  });
});
