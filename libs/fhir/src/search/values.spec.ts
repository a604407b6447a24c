import type { Encounter, Patient } from 'fhir/r4';
import { OperationOutcomeError } from '../outcomes';
import { extractSearchValues } from './extract';
import { normalizeString, parseDecimal } from './normalize';
import { parseSearchQuery, type ParseOptions } from './query';

const options: ParseOptions = { strict: true, defaultCount: 20, maxCount: 100, localBases: [] };
const parse = (type: 'Patient' | 'Observation' | 'Encounter', params: Record<string, string>) =>
  parseSearchQuery(type, params, options).filters;

describe('strings', () => {
  it.each([
    ['Hélène', 'helene'],
    ["O'Connor", 'oconnor'],
    ['Jean-Pierre  MARTIN', 'jean pierre martin'],
    ['Œuvre Straße', 'oeuvre strasse'],
  ])('normalizes %s to %s', (raw, norm) => expect(normalizeString(raw)).toBe(norm));

  it('indexes each part of a name and an address', () => {
    const { rows } = extractSearchValues('Patient', {
      resourceType: 'Patient',
      name: [{ family: 'Dupont', given: ['Hélène', 'Marie'] }],
      address: [{ line: ['3 rue des Lilas'], city: 'Lyon' }],
    } as Patient);
    const of = (param: string) => rows.filter((r) => r.param === param).map((r) => r.str);
    expect(of('family')).toEqual(['dupont']);
    expect(of('given')).toEqual(['helene', 'marie']);
    expect(of('name')).toEqual(['dupont', 'helene', 'marie']);
    expect(of('address')).toEqual(['3 rue des lilas', 'lyon']);
  });

  it('reads :exact and :contains', () => {
    expect(parse('Patient', { 'family:exact': 'Dupont', 'given:contains': 'lèn' })).toEqual([
      { kind: 'value', param: 'family', any: [{ kind: 'string', match: 'exact', value: 'Dupont' }] },
      { kind: 'value', param: 'given', any: [{ kind: 'string', match: 'contains', value: 'len' }] },
    ]);
  });
});

describe('tokens', () => {
  it('indexes codes, identifiers with their type, contact points, booleans and presence', () => {
    const { tokens } = extractSearchValues('Patient', {
      resourceType: 'Patient',
      active: true,
      identifier: [{ system: 's', value: 'v', type: { coding: [{ system: 't', code: 'MR' }] } }],
      telecom: [{ system: 'email', value: 'a@b.fr' }],
    } as Patient);
    expect(tokens).toEqual(
      expect.arrayContaining([
        'active|*|true',
        'identifier|s|v',
        'identifier:of-type|t|MR|v',
        'email|email|a@b.fr',
        '?identifier',
        '?active',
      ]),
    );
    expect(tokens).not.toContain('?gender');
  });

  it('reads :not, :text, :of-type and :missing', () => {
    expect(parse('Patient', { 'gender:not': 'male' })).toEqual([
      { kind: 'token', keys: ['gender|*|male'], not: true },
    ]);
    expect(parse('Patient', { 'identifier:of-type': 't|MR|v' })).toEqual([
      { kind: 'token', keys: ['identifier:of-type|t|MR|v'] },
    ]);
    expect(parse('Patient', { 'gender:missing': 'true' })).toEqual([
      { kind: 'token', keys: ['?gender'], not: true },
    ]);
    expect(parse('Observation', { 'code:text': 'Heart rate' })).toEqual([
      { kind: 'value', param: 'code:text', any: [{ kind: 'string', match: 'start', value: 'heart rate' }] },
    ]);
  });
});

describe('dates, numbers and quantities', () => {
  it('indexes periods as ranges, open ends as infinity', () => {
    const { rows, date } = extractSearchValues('Encounter', {
      resourceType: 'Encounter',
      status: 'in-progress',
      class: { code: 'AMB' },
      period: { start: '2024-01-01' },
    } as Encounter);
    const row = rows.find((r) => r.param === 'date');
    expect(row).toMatchObject({ dateLo: Date.UTC(2024, 0, 1), dateHi: Infinity });
    expect(date).toEqual({ lo: Date.UTC(2024, 0, 1), hi: Infinity });
  });

  it('keeps the implied precision of a searched decimal', () => {
    expect(parseDecimal('5.4')).toEqual({
      value: 5.4,
      lo: expect.closeTo(5.35, 10) as number,
      hi: expect.closeTo(5.45, 10) as number,
    });
    expect(parseDecimal('100')).toEqual({ value: 100, lo: 99.5, hi: 100.5 });
    expect(parseDecimal('1e3')).toBeUndefined();
  });

  it('reads every prefix and value|system|code', () => {
    const [filter] = parse('Observation', { 'value-quantity': 'ap5.4|http://unitsofmeasure.org|mmol/L' });
    expect(filter).toMatchObject({
      kind: 'value',
      param: 'value-quantity',
      any: [
        { kind: 'number', condition: { prefix: 'ap', system: 'http://unitsofmeasure.org', code: 'mmol/L' } },
      ],
    });
    for (const prefix of ['eq', 'ne', 'lt', 'gt', 'le', 'ge', 'sa', 'eb', 'ap'])
      expect(parse('Patient', { birthdate: `${prefix}2000` })[0]).toMatchObject({
        any: [{ kind: 'date', condition: { prefix } }],
      });
  });
});

describe('composites', () => {
  const obs = {
    resourceType: 'Observation',
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8480-6' }] },
    valueCodeableConcept: { coding: [{ system: 'http://snomed.info/sct', code: '260385009' }] },
  } as const;

  it('stores a pair of tokens as one array key and finds it by both forms', () => {
    const { tokens } = extractSearchValues('Observation', obs);
    const [byBoth] = parse('Observation', {
      'code-value-concept': 'http://loinc.org|8480-6$http://snomed.info/sct|260385009',
    });
    const [byCodes] = parse('Observation', { 'code-value-concept': '8480-6$260385009' });
    for (const filter of [byBoth, byCodes]) {
      if (filter.kind !== 'token') throw new Error(filter.kind);
      expect(tokens).toEqual(expect.arrayContaining(filter.keys));
    }
    expect(tokens).toContain('?code-value-concept');
  });

  it('refuses a pair without "$" or with a system and no code', () => {
    expect(() => parse('Observation', { 'code-value-concept': '8480-6' })).toThrow(OperationOutcomeError);
    expect(() => parse('Observation', { 'code-value-quantity': 'http://loinc.org|$gt5' })).toThrow(
      OperationOutcomeError,
    );
  });
});

describe('chains, _has and refusals', () => {
  it('reads chained parameters and _has', () => {
    expect(parse('Encounter', { 'subject:Patient.family': 'dupont' })).toEqual([
      {
        kind: 'chain',
        param: 'subject',
        targetTypes: ['Patient'],
        inner: [
          { kind: 'value', param: 'family', any: [{ kind: 'string', match: 'start', value: 'dupont' }] },
        ],
      },
    ]);
    expect(parse('Patient', { '_has:Observation:patient:code': '1234' })).toEqual([
      {
        kind: 'has',
        sourceType: 'Observation',
        param: 'patient',
        inner: [{ kind: 'token', keys: ['code|*|1234'] }],
      },
    ]);
  });

  it.each([
    [{ colour: 'blue' }, 'colour'],
    [{ 'family:below': 'x' }, 'family'],
    [{ 'gender:exact': 'x' }, 'gender'],
    [{ birthdate: '2000-13' }, 'birthdate'],
    [{ 'general-practitioner:Device': 'x' }, 'general-practitioner'],
    [{ 'link.colour': 'x' }, 'colour'],
    [{ family: '!!' }, 'family'],
  ])('refuses %p naming %s', (params, name) => {
    try {
      parse('Patient', params);
      throw new Error('expected a 400');
    } catch (e) {
      expect(e).toBeInstanceOf(OperationOutcomeError);
      expect((e as OperationOutcomeError).status).toBe(400);
      expect(JSON.stringify((e as OperationOutcomeError).outcome)).toContain(name);
    }
  });
});
