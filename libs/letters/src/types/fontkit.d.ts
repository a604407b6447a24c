/**
 * fontkit (pdfkit's own font engine, 2.x) ships no types. This lib parses a TrueType file once,
 * wraps the parsed font's `layout()` with a cache, and hands it to pdfkit (which accepts a parsed
 * font since 0.20); pdfkit uses the rest.
 */
declare module 'fontkit' {
  export interface Glyph {
    readonly id: number;
    readonly advanceWidth: number;
    /** Parses the glyph's outline record (TrueType `glyf`); not cached by fontkit. */
    _decode?: () => unknown;
  }
  export interface GlyphPosition {
    xAdvance: number;
    yAdvance: number;
    xOffset: number;
    yOffset: number;
  }
  /** What pdfkit reads of a layout: the glyphs, their positions and the total advance. */
  export interface GlyphRun {
    readonly glyphs: Glyph[];
    readonly positions: GlyphPosition[];
    readonly advanceWidth: number;
  }
  export interface Font {
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    layout(text: string, features?: unknown): GlyphRun;
    getGlyph(id: number, codePoints?: number[]): Glyph;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
