import { OperationOutcomeError } from '../outcomes';
import { parseSearchQuery } from './query';

const parse = (params: Record<string, string>, strict = true) =>
  parseSearchQuery('Composition', params, { strict, defaultCount: 20, maxCount: 100, localBases: [] });

const diagnostics = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome.issue[0].diagnostics ?? '';
    throw e;
  }
  return 'no error';
};

describe('_text, _content and the parameters refused', () => {
  it('take the whole value as one query, commas included', () => {
    expect(parse({ _text: 'genou, hanche' }).filters).toEqual([
      { kind: 'fulltext', scope: 'narrative', query: 'genou, hanche' },
    ]);
    expect(parse({ _content: ' cardiologie ' }).filters).toEqual([
      { kind: 'fulltext', scope: 'content', query: 'cardiologie' },
    ]);
    expect(diagnostics(() => parse({ _text: '   ' }))).toMatch(/_text has no value/);
    expect(diagnostics(() => parse({ _content: 'x'.repeat(501) }))).toMatch(/at most 500/);
  });

  it('refuse _list, _filter and _query, even when unknown parameters are skipped', () => {
    for (const strict of [true, false]) {
      expect(diagnostics(() => parse({ _list: 'List/1' }, strict))).toMatch(/_list is not supported/);
      expect(diagnostics(() => parse({ _filter: 'name eq x' }, strict))).toMatch(/_filter is not supported/);
      expect(diagnostics(() => parse({ _query: 'mine' }, strict))).toMatch(/_query is not supported/);
    }
    // Names of Object's prototype are unknown parameters like any other.
    expect(parse({ constructor: 'x', __proto__: 'y' }, false).filters).toEqual([]);
  });
});
