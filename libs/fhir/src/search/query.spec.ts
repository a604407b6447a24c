import { OperationOutcomeError } from '../outcomes';
import { parseSearchQuery, type ParseOptions } from './query';

const options: ParseOptions = {
  strict: false,
  defaultCount: 20,
  maxCount: 100,
  localBases: ['https://hub.example/fhir'],
};

describe('parseSearchQuery', () => {
  it('turns token values into index keys, comma meaning OR', () => {
    const q = parseSearchQuery('Patient', { identifier: 'https://sys|1,|2,3,sys|' }, options);
    expect(q.filters).toEqual([
      {
        kind: 'token',
        keys: ['identifier|https://sys|1', 'identifier||2', 'identifier|*|3', 'identifier|sys|*'],
      },
    ]);
  });

  it('keeps escaped bars and commas inside values', () => {
    const q = parseSearchQuery('Patient', { identifier: 'a\\|b|c\\,d' }, options);
    expect(q.filters).toEqual([{ kind: 'token', keys: ['identifier|a\\|b|c,d'] }]);
  });

  it('types bare ids by the only target, and accepts local absolute URLs and type modifiers', () => {
    const q = parseSearchQuery(
      'Observation',
      { patient: 'p1', subject: 'https://hub.example/fhir/Patient/p2', 'performer:Practitioner': 'dr1' },
      options,
    );
    expect(q.filters).toEqual([
      { kind: 'reference', keys: ['patient|Patient/p1'] },
      { kind: 'reference', keys: ['subject|Patient/p2'] },
      { kind: 'reference', keys: ['performer|Practitioner/dr1'] },
    ]);
  });

  it('reads date prefixes', () => {
    const q = parseSearchQuery('Observation', { date: ['ge2024-01-01', 'lt2024-02'] }, options);
    expect(
      q.filters.map((f) =>
        f.kind === 'value' && f.any[0].kind === 'date' ? f.any[0].condition.prefix : undefined,
      ),
    ).toEqual(['ge', 'lt']);
  });

  it('caps _count, reads _sort, _summary and includes', () => {
    const q = parseSearchQuery(
      'Patient',
      { _count: '1000', _sort: '-_lastUpdated', _summary: 'count', _revinclude: 'Observation:subject' },
      options,
    );
    expect(q.count).toBe(100);
    expect(q.sort).toBe('desc');
    expect(q.summaryCount).toBe(true);
    expect(q.revIncludes[0].sourceType).toBe('Observation');
  });

  it('ignores unknown parameters (and does not echo them) unless strict', () => {
    const q = parseSearchQuery('Patient', { colour: 'blue', gender: 'female' }, options);
    expect(q.echo).toEqual([['gender', 'female']]);
    expect(() => parseSearchQuery('Patient', { colour: 'blue' }, { ...options, strict: true })).toThrow(
      OperationOutcomeError,
    );
  });

  it('never matches an invalid id', () => {
    const q = parseSearchQuery('Patient', { _id: 'not valid!' }, options);
    expect(q.filters).toEqual([{ kind: 'id', ids: [] }]);
  });

  it.each([
    [{ birthdate: 'yesterday' }],
    [{ _count: '-1' }],
    [{ _sort: 'colour' }],
    [{ _sort: 'family,-' }],
    [{ _include: 'Patient:nothing' }],
    [{ _include: 'Observation:subject' }],
    [{ identifier: 'a|b|c' }],
    [{ _lastUpdated: '' }],
    [{ _lastUpdated: ',' }],
  ])('refuses %p with 400', (params) => {
    try {
      parseSearchQuery('Patient', params, options);
      throw new Error('expected a failure');
    } catch (e) {
      expect(e).toBeInstanceOf(OperationOutcomeError);
      expect((e as OperationOutcomeError).status).toBe(400);
    }
  });
});
