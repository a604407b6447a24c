import { OperationOutcomeError } from '../outcomes';
import { assertSafeJsonValue, parseFhirJson } from './safe-json';

const MAX_DEPTH = 64;

/** The OperationOutcomeError thrown by `fn`; fails the test if it throws nothing or something else. */
function rejection(fn: () => unknown): OperationOutcomeError {
  try {
    fn();
  } catch (e: unknown) {
    if (e instanceof OperationOutcomeError) return e;
    throw new Error(`expected an OperationOutcomeError, got ${String(e)}`);
  }
  throw new Error('expected an OperationOutcomeError, nothing was thrown');
}

function only(error: OperationOutcomeError): { diagnostics?: string; expression?: string[]; code: string } {
  expect(error.status).toBe(400);
  expect(error.outcome.issue).toHaveLength(1);
  return error.outcome.issue[0];
}

const parse = (text: string) => parseFhirJson(text, { maxDepth: MAX_DEPTH });

describe('parseFhirJson', () => {
  it('returns the parsed value of a valid body', () => {
    const text = '{"resourceType":"Patient","name":[{"family":"Lefèvre","given":["Zoë"]}],"active":true}';
    expect(parse(text)).toEqual({
      resourceType: 'Patient',
      name: [{ family: 'Lefèvre', given: ['Zoë'] }],
      active: true,
    });
    expect(parse('"just a string"')).toBe('just a string');
    expect(parse('null')).toBeNull();
  });

  it.each([
    ['a trailing comma', '{"resourceType":"Patient","name":[{"family":"Dupont"}],}'],
    ['an unquoted key', '{resourceType:"Patient","family":"Dupont"}'],
    ['a truncated body', '{"resourceType":"Patient","family":"Dup'],
    ['an empty body', ''],
    ['two documents', '{"family":"Dupont"}{"family":"Martin"}'],
  ])('refuses %s with a 400 that does not quote the body', (_case, text) => {
    const issue = only(rejection(() => parse(text)));
    expect(issue.diagnostics).toBe('Request body is not valid JSON');
    expect(JSON.stringify(issue)).not.toMatch(/Dup|Martin|Patient/);
  });

  it('refuses __proto__ deep in a Bundle, naming the key and where it is, not its value', () => {
    const text = JSON.stringify({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient', SECRET_MARKER: 1 } }],
    }).replace('"SECRET_MARKER":1', '"__proto__":{"isAdmin":"Jean Dupont"}');
    const issue = only(rejection(() => parse(text)));
    expect(issue.diagnostics).toContain("'__proto__'");
    expect(issue.expression).toEqual(['Bundle.entry[0].resource']);
    expect(JSON.stringify(issue)).not.toMatch(/isAdmin|Jean/);
    expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
  });

  it('refuses a constructor key inside an element', () => {
    const text = '{"resourceType":"Patient","name":[{"family":"Dupont"},{"constructor":{"name":"x"}}]}';
    const issue = only(rejection(() => parse(text)));
    expect(issue.diagnostics).toContain("'constructor'");
    expect(issue.expression).toEqual(['Patient.name[1]']);
  });

  it('refuses a prototype key at the top level of a value that is not a resource', () => {
    const issue = only(rejection(() => parse('{"op":"add","prototype":{"polluted":true}}')));
    expect(issue.diagnostics).toContain("'prototype'");
    expect(issue.expression).toEqual(['$this']);
  });

  it('refuses __proto__ in an object inside an array inside an array', () => {
    const text = '[{"op":"add","path":"/name/0","value":{"family":"Dupont"}},[{"ok":1},{"__proto__":{}}]]';
    const issue = only(rejection(() => parse(text)));
    expect(issue.expression).toEqual(['$this[1][1]']);
  });

  it('does not echo a key that is not an element name on the way to a forbidden key', () => {
    const issue = only(
      rejection(() => parse('{"resourceType":"Patient","Jean Dupont 1980":{"__proto__":1}}')),
    );
    expect(issue.expression).toEqual(['Patient.(invalid name)']);
    expect(JSON.stringify(issue)).not.toContain('Jean');
  });

  it('accepts nesting of exactly maxDepth and refuses one level more', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(() => parseFhirJson(nested(5), { maxDepth: 5 })).not.toThrow();
    const issue = only(rejection(() => parseFhirJson(nested(6), { maxDepth: 5 })));
    expect(issue.diagnostics).toBe('JSON nesting is deeper than 5');
    // Objects count as arrays do.
    expect(() => parseFhirJson('{"a":{"b":{"c":[1]}}}', { maxDepth: 4 })).not.toThrow();
    expect(() => parseFhirJson('{"a":{"b":{"c":[{}]}}}', { maxDepth: 4 })).toThrow(OperationOutcomeError);
  });

  it.each([
    ['arrays', '['.repeat(100_000) + ']'.repeat(100_000)],
    ['objects', '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000)],
    ['an unterminated bomb', '['.repeat(100_000)],
  ])('answers a 100,000-level depth bomb of %s with a 400, not a crash', (_case, text) => {
    const error = rejection(() => parse(text));
    expect(error.status).toBe(400);
  });

  it('reports the depth, not invalid JSON, for a well-formed bomb', () => {
    const issue = only(rejection(() => parse('['.repeat(100_000) + ']'.repeat(100_000))));
    expect(issue.diagnostics).toBe(`JSON nesting is deeper than ${MAX_DEPTH}`);
  });

  it('turns a RangeError from the parser (an engine giving up on nesting) into a 400', () => {
    const spy = jest.spyOn(JSON, 'parse').mockImplementationOnce(() => {
      throw new RangeError('Maximum call stack size exceeded');
    });
    try {
      expect(only(rejection(() => parse('[[]]'))).diagnostics).toBe(
        `JSON nesting is deeper than ${MAX_DEPTH}`,
      );
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a maxDepth that is not a positive integer: a configuration error', () => {
    expect(() => parseFhirJson('{}', { maxDepth: 0 })).toThrow(RangeError);
    expect(() => parseFhirJson('{}', { maxDepth: 2.5 })).toThrow(RangeError);
  });
});

describe('assertSafeJsonValue', () => {
  it('accepts a plain resource and primitives', () => {
    expect(() =>
      assertSafeJsonValue({ resourceType: 'Patient', name: [{ given: ['A'] }] }, MAX_DEPTH),
    ).not.toThrow();
    expect(() => assertSafeJsonValue('text', 1)).not.toThrow();
    expect(() => assertSafeJsonValue(null, 1)).not.toThrow();
  });

  it('finds an own __proto__ property in a value parsed elsewhere', () => {
    const value: unknown = JSON.parse('{"resourceType":"Patient","contact":[{"__proto__":{"x":1}}]}');
    const issue = only(rejection(() => assertSafeJsonValue(value, MAX_DEPTH)));
    expect(issue.expression).toEqual(['Patient.contact[0]']);
  });

  it('walks a 100,000-level value built in memory without overflowing the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: [deep] };
    expect(() => assertSafeJsonValue(deep, 200_001)).not.toThrow();
    expect(only(rejection(() => assertSafeJsonValue(deep, 200_000))).diagnostics).toBe(
      'JSON nesting is deeper than 200000',
    );
    expect(only(rejection(() => assertSafeJsonValue(deep, MAX_DEPTH))).diagnostics).toBe(
      `JSON nesting is deeper than ${MAX_DEPTH}`,
    );
  });
});
