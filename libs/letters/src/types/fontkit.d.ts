/**
 * fontkit (pdfkit's own font engine, 2.x) ships no types. This lib parses a TrueType file once
 * and hands it to pdfkit (which accepts a parsed font since 0.20); pdfkit uses the rest.
 */
declare module 'fontkit' {
  export interface Glyph {
    readonly id: number;
    readonly advanceWidth: number;
    /** Parses the glyph's outline record (TrueType `glyf`); not cached by fontkit. */
    _decode?: () => unknown;
    /** Its horizontal metrics (hmtx), as fontkit reads them. */
    _getMetrics(): { leftBearing: number };
  }
  /** The glyphs a document uses, in the order they were first used (font-subset.ts). */
  export interface FontSubset {
    readonly glyphs: number[];
    /** The glyph's id in the subset (added at the end if new). */
    includeGlyph(id: number): number;
    /** The subset as a TrueType font file. */
    encode(): Uint8Array;
  }
  export interface Font {
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    getGlyph(id: number, codePoints?: number[]): Glyph;
    glyphForCodePoint(codePoint: number): Glyph;
    createSubset(): FontSubset;
    /** Where each table is in the font file. */
    readonly directory: { tables: Record<string, { offset: number; length: number } | undefined> };
    /** `glyf` offsets per glyph id (in bytes); version 0: written halved, as 16 bits. */
    readonly loca: { version: number; offsets: number[] };
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
