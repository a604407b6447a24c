import { prefixUpperBound } from './search-sql';

/** text_pattern_ops compares strings byte by byte in UTF-8 (memcmp), as Buffer.compare does. */
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('prefixUpperBound', () => {
  const prefixes = ['a', 'zo', 'jean pierre', 'zz', 'é', 'ж', '9', '\ud7ff', '\u{10fffe}'];
  const strings = [
    '',
    'a',
    'ab',
    'b',
    'zo',
    'zoe',
    'zp',
    'zo\u{10ffff}',
    'zz',
    'zzz',
    'z{',
    'jean pierre',
    'jean pierres',
    'jean pierrf',
    'é',
    'éa',
    'ê',
    'ж',
    'жа',
    'з',
    '9',
    '90',
    ':',
    '\ud7ff',
    '\ud7ffx',
    '\ue000',
    '\u{10fffe}',
    '\u{10fffe}a',
    '\u{10ffff}',
  ];

  it('bounds exactly the strings that start with the prefix, in byte order', () => {
    for (const prefix of prefixes) {
      const upper = prefixUpperBound(prefix);
      expect(upper).toBeDefined();
      for (const s of strings) {
        const inRange =
          Buffer.compare(bytes(s), bytes(prefix)) >= 0 && Buffer.compare(bytes(s), bytes(upper!)) < 0;
        expect([prefix, s, inRange]).toEqual([prefix, s, s.startsWith(prefix)]);
      }
    }
  });

  it('has none for an empty prefix, a LIKE wildcard, or the last code point', () => {
    expect(prefixUpperBound('')).toBeUndefined();
    expect(prefixUpperBound('a%')).toBeUndefined();
    expect(prefixUpperBound('a_b')).toBeUndefined();
    expect(prefixUpperBound('a\\')).toBeUndefined();
    expect(prefixUpperBound('a\u{10ffff}')).toBeUndefined();
  });
});
