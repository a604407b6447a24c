import { createHash } from 'node:crypto';
import { canonicalJson, chainHash, GENESIS_HASH } from './canonical-json';

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

describe('chainHash', () => {
  it('is sha256 of the previous hash, a newline and the canonical content', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n{"a":1,"b":2}`).digest('hex');
    expect(chainHash(GENESIS_HASH, { b: 2, a: 1 })).toBe(expected);
  });
});
