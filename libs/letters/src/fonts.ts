import { readFileSync } from 'node:fs';
import { create, type Font, type Glyph, type GlyphPosition, type GlyphRun } from 'fontkit';

/**
 * DejaVu Sans from the `dejavu-fonts-ttf` package: wide Unicode coverage (Latin with every accent,
 * Greek, Cyrillic, Hebrew, Arabic, Armenian, Georgian...), so patients' names render as written.
 *
 * Read and parsed once per process, then shared by every document (each still embeds its own
 * subset of the glyphs it uses). Three costs are paid once instead of per PDF:
 * - given the file's bytes, pdfkit parses the font again for each document, which made a 2-page
 *   letter about six times slower than the same text in a built-in font;
 * - fontkit shapes every word (OpenType substitutions and kerning) and pdfkit caches the result
 *   per document only, so each letter shaped "votre", "dossier"... again. The parsed font is handed
 *   to pdfkit behind a proxy whose `layout()` keeps shaped words for the whole process;
 * - embedding a subset re-parses every glyph's outline record (fontkit 2.0 does not keep it) only
 *   to see whether the glyph is composite. The parsed font's glyphs keep their parsed record.
 * The last two rely on the font being static (DejaVu has no variation axes): nothing they keep changes.
 */
const FILES = {
  regular: 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  bold: 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
} as const;

export type FontWeight = keyof typeof FILES;

/** The names documents register the fonts under. */
export const FONT: Readonly<Record<FontWeight, string>> = { regular: 'Letter', bold: 'Letter-Bold' };

/** Shaped words kept per font; past that, the oldest go (names and dates vary, words do not). */
const MAX_CACHED_WORDS = 8_000;
/** Longer strings (a hostile 10,000-character name) are shaped each time, never kept. */
const MAX_CACHED_LENGTH = 64;

/** A copy pdfkit may scale in place (it multiplies each position by the font's scale). */
function copyRun(run: GlyphRun): GlyphRun {
  const positions: GlyphPosition[] = run.positions.map((p) => ({ ...p }));
  let width: number | undefined;
  return {
    glyphs: run.glyphs,
    positions,
    // Read only once pdfkit has scaled the positions (it reads it for every width it measures).
    get advanceWidth() {
      if (width === undefined) {
        width = 0;
        for (const p of positions) width += p.xAdvance;
      }
      return width;
    },
  };
}

function withSharedLayout(font: Font): Font {
  const cache = new Map<string, GlyphRun>();
  const layout = (text: string, features?: unknown): GlyphRun => {
    if (features !== undefined || text.length > MAX_CACHED_LENGTH) return font.layout(text, features);
    let run = cache.get(text);
    if (!run) {
      // Only what pdfkit reads: fontkit's run also holds its shaping plan.
      const shaped = font.layout(text);
      run = { glyphs: shaped.glyphs, positions: shaped.positions, advanceWidth: shaped.advanceWidth };
      if (cache.size >= MAX_CACHED_WORDS) cache.delete(cache.keys().next().value as string);
      cache.set(text, run);
    }
    return copyRun(run);
  };
  return new Proxy(font, {
    get(target, property) {
      if (property === 'layout') return layout;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Makes this font instance's glyphs parse their outline record once (fontkit caches the glyphs). */
function withParsedGlyphs(font: Font): Font {
  const getGlyph = font.getGlyph.bind(font);
  const done = new WeakSet<Glyph>();
  font.getGlyph = (id: number, codePoints?: number[]): Glyph => {
    const glyph = getGlyph(id, codePoints);
    const decode = glyph._decode;
    if (!done.has(glyph) && typeof decode === 'function') {
      done.add(glyph);
      let record: unknown;
      let parsedOnce = false;
      glyph._decode = () => {
        if (!parsedOnce) {
          record = decode.call(glyph);
          parsedOnce = true;
        }
        return record;
      };
    }
    return glyph;
  };
  return font;
}

let parsed: Readonly<Record<FontWeight, Font>> | undefined;

function load(file: string): Font {
  const bytes = readFileSync(require.resolve(file));
  return withSharedLayout(withParsedGlyphs(create(bytes)));
}

export function letterFonts(): Readonly<Record<FontWeight, Font>> {
  parsed ??= { regular: load(FILES.regular), bold: load(FILES.bold) };
  return parsed;
}

/** Registers both weights on a document and selects the regular one. */
export function useLetterFonts(doc: PDFKit.PDFDocument): void {
  const fonts = letterFonts();
  doc.registerFont(FONT.regular, fonts.regular);
  doc.registerFont(FONT.bold, fonts.bold);
  doc.font(FONT.regular);
}
