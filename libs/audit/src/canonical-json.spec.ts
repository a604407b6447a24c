import { createHash } from 'node:crypto';
import { canonicalJson, canonicalJsonOf, chainHash, GENESIS_HASH } from './canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('does not depend on key order', () => {
    expect(canonicalJson({ a: 1, b: [1, 2] })).toBe(canonicalJson({ b: [1, 2], a: 1 }));
  });

  it('drops undefined members like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
  });
});

describe('canonicalJsonOf', () => {
  it.each([
    ['keys in order', { a: 1, b: { c: [1, { d: 'x', e: null }] } }],
    ['keys out of order, deep', { a: 1, b: { c: [1, { e: null, d: 'x' }] } }],
    ['integer-like keys', { b: 1, 10: 'x', 9: 'y', a: [] }],
    ['undefined members', { a: undefined, b: [undefined, 2] }],
    ['a Date', { a: new Date(0), b: 'x' }],
    ['a boxed string', { a: Object('s') as unknown, b: 1 }],
    ['a toJSON', { a: { toJSON: () => ({ z: 1, y: 2 }) }, b: 1 }],
    ['an object without prototype', Object.assign(Object.create(null) as object, { b: 1, a: 2 })],
    [
      'a class instance',
      {
        a: new (class {
          y = 1;
          x = 2;
        })(),
      },
    ],
    ['a primitive', 'x"y'],
  ])('gives canonicalJson’s text for %s', (_what, value) => {
    expect(canonicalJsonOf(value)).toBe(canonicalJson(value));
  });
});

describe('chainHash', () => {
  it('is sha256 of the previous hash, a newline and the canonical content', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n{"a":1,"b":2}`).digest('hex');
    expect(chainHash(GENESIS_HASH, { b: 2, a: 1 })).toBe(expected);
  });
});
