import { readFileSync } from 'node:fs';
import { create } from 'fontkit';
import { withFastSubsets } from './font-subset';

const FILES = ['dejavu-fonts-ttf/ttf/DejaVuSans.ttf', 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf'];

/** Glyph sets as letters meet them: accents (composite glyphs), other scripts, digits, signs. */
const TEXTS = [
  '',
  'Madame, votre dossier médical partagé a été consulté le 12/03/2025 à 14 h 05.',
  'Dear Mr Smith, your GP practice read your summary. Page 1 of 2',
  'Œuvre, cœur, ÇÀÉÈÊËÎÏÔÙÛÜŸ çàéèêëîïôùûüÿ « » – — … € ° % & @ # * ( ) [ ] / \\ | ~',
  'Ægir Þórðarson, Δημήτρης Παπαδόπουλος, Иван Петров, שלום, مرحبا, Հայաստան, ქართული',
  '0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz',
];

describe("a font subset's bytes", () => {
  for (const file of FILES) {
    const bytes = readFileSync(require.resolve(file));
    const fontkits = create(bytes);
    const ours = withFastSubsets(create(bytes), bytes);
    it.each(TEXTS)(`are fontkit's, glyph for glyph (${file.split('/').pop()}): %s`, (text) => {
      const expected = fontkits.createSubset();
      const actual = ours.createSubset();
      for (const char of text) {
        const id = fontkits.glyphForCodePoint(char.codePointAt(0) ?? 0).id;
        expect(actual.includeGlyph(id)).toBe(expected.includeGlyph(id));
      }
      const want = Buffer.from(expected.encode());
      const got = Buffer.from(actual.encode());
      // Composite glyphs bring their components in as they are encoded: the same ones, in the same order.
      expect(actual.glyphs).toEqual(expected.glyphs);
      expect(got.length).toBe(want.length);
      expect(got.equals(want)).toBe(true);
    });
  }

  it('hold the components of composite glyphs (accented capitals are composites in DejaVu)', () => {
    const bytes = readFileSync(require.resolve(FILES[0]));
    const font = withFastSubsets(create(bytes), bytes);
    const subset = font.createSubset();
    for (const char of 'ÇÉÈÊ') subset.includeGlyph(font.glyphForCodePoint(char.codePointAt(0) ?? 0).id);
    const used = subset.glyphs.length;
    subset.encode();
    expect(subset.glyphs.length).toBeGreaterThan(used);
  });
});
