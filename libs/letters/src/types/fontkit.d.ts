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
  }
  export interface Font {
    readonly postscriptName: string;
    readonly unitsPerEm: number;
    getGlyph(id: number, codePoints?: number[]): Glyph;
  }
  export function create(buffer: Uint8Array, postscriptName?: string): Font;
}
