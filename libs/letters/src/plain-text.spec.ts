import { csvCell, manifestHeader, manifestLine } from './manifest';
import { hasHiddenCharacters, plainLine, plainParagraph } from './plain-text';

describe('plainLine / plainParagraph', () => {
  it('removes bidi embeddings, overrides, isolates and direction marks', () => {
    const hostile = 'a\u202Ab\u202Bc\u202Cd\u202De\u202Ef\u2066g\u2067h\u2068i\u2069j\u200Ek\u200Fl\u061Cm';
    expect(plainLine(hostile)).toBe('abcdefghijklm');
  });

  it('removes control characters and turns line breaks into spaces on one line', () => {
    expect(plainLine('Jean\u0000\u0007 Dupont\r\nfils\u0085\u2028bis\u009B')).toBe('Jean Dupont fils bis');
  });

  it('keeps line breaks in a paragraph, at most one blank line in a row', () => {
    expect(plainParagraph('Ligne 1\r\n\r\n\r\n\r\nLigne 2\n  ligne   3  ')).toBe(
      'Ligne 1\n\nLigne 2\nligne 3',
    );
  });

  it('keeps markup and URLs as the characters they are', () => {
    expect(plainLine('<b>x</b> <script>alert(1)</script> javascript:alert(1)')).toBe(
      '<b>x</b> <script>alert(1)</script> javascript:alert(1)',
    );
  });

  it('caps the length with an ellipsis, never cutting a surrogate pair', () => {
    const capped = plainLine('A'.repeat(10_000));
    expect(capped).toHaveLength(200);
    expect(capped.endsWith('…')).toBe(true);
    const emoji = plainLine('😀'.repeat(10), 6);
    expect(emoji).toBe('😀😀…');
    expect(plainLine('x\uD800y')).toBe('x\uFFFDy');
  });

  it('normalises to NFC so that the same name is drawn the same', () => {
    expect(plainLine('E\u0301lodie')).toBe('Élodie');
  });

  it('hasHiddenCharacters sees what plainLine would remove, not tabs and line breaks', () => {
    expect(hasHiddenCharacters('a\u202Eb')).toBe(true);
    expect(hasHiddenCharacters('a\u0000b')).toBe(true);
    expect(hasHiddenCharacters('a\tb\nc')).toBe(false);
  });
});

describe('manifest CSV', () => {
  it('quotes text cells and doubles quotes', () => {
    expect(csvCell('a "b", c')).toBe('"a ""b"", c"');
    expect(csvCell(12)).toBe('12');
  });

  it.each(["=cmd|' /C calc'!A0", '+1', '-1', '@SUM(A1)', '\t=1', '\r=1', ' =1'])(
    'defuses a cell a spreadsheet would run as a formula: %j',
    (value) => {
      expect(csvCell(value)).toMatch(/^"'/);
    },
  );

  it('writes a header and CRLF-terminated rows', () => {
    expect(manifestHeader()).toBe(
      'letter_id,patient_reference,first_page,pages,sheets,postage_class,envelope\r\n',
    );
    expect(
      manifestLine({
        letterId: 'L1',
        patientReference: 'Patient/1',
        firstPage: 3,
        pages: 2,
        sheets: 1,
        postageClass: 'standard',
        envelope: '1 of 1',
      }),
    ).toBe('"L1","Patient/1",3,2,1,"standard","1 of 1"\r\n');
  });
});
