import type { Font, FontSubset, Glyph } from 'fontkit';

/**
 * The embedded font of every PDF is a subset of DejaVu with the glyphs the document uses, which
 * fontkit encodes through its general table codec (restructure): for each document it copies the
 * font's hinting tables (`cvt `, `prep`, `fpgm`) value by value, deep-copies `head`, `hhea` and
 * `maxp` to change one number in each, and measures every table before writing it. That was a
 * quarter of a letter's CPU. The subset's bytes are plain: the same tables in the same order,
 * the unchanged ones as they are in the font file, so they are written here from the file's
 * bytes, with exactly fontkit's layout (font-subset.spec.ts compares the two, byte for byte, for
 * both weights). The glyphs a subset holds and their order are still fontkit's (`includeGlyph`,
 * and the components of composite glyphs as encoding meets them).
 *
 * Only for a static TrueType font (no variation axes, `glyf` outlines): DejaVu Sans.
 */

/** The tables fontkit's TrueType subset writes, in its order (a PDF's font file needs no more). */
const TABLES = ['head', 'hhea', 'loca', 'maxp', 'cvt ', 'prep', 'glyf', 'hmtx', 'fpgm'] as const;

/** Byte offsets of the fields a subset changes (OpenType: head, hhea and maxp). */
const HEAD_INDEX_TO_LOC_FORMAT = 50;
const HHEA_NUMBER_OF_METRICS = 34;
const MAXP_NUM_GLYPHS = 4;

/** A glyph's outline record as fontkit decodes it: a composite one lists its components. */
interface GlyphRecord {
  numberOfContours: number;
  components?: { glyphID: number; pos: number }[];
}

/** Makes `font`'s subsets write themselves from `bytes` (the font file `font` was parsed from). */
export function withFastSubsets(font: Font, bytes: Uint8Array): Font {
  const raw = (tag: string): Uint8Array => {
    const entry = font.directory.tables[tag];
    if (!entry) throw new Error(`the font has no ${tag} table`);
    return bytes.subarray(entry.offset, entry.offset + entry.length);
  };
  const source = {
    head: raw('head'),
    hhea: raw('hhea'),
    maxp: raw('maxp'),
    cvt: raw('cvt '),
    prep: raw('prep'),
    fpgm: raw('fpgm'),
    glyf: raw('glyf'),
  };
  const createSubset = font.createSubset.bind(font);
  font.createSubset = (): FontSubset => {
    const subset = createSubset();
    subset.encode = () => encodeSubset(font, subset, source);
    return subset;
  };
  return font;
}

function encodeSubset(
  font: Font,
  subset: FontSubset,
  source: Record<'head' | 'hhea' | 'maxp' | 'cvt' | 'prep' | 'fpgm' | 'glyf', Uint8Array>,
): Buffer {
  const offsets = font.loca.offsets;
  const glyphs: Uint8Array[] = [];
  const locations: number[] = [];
  const metrics: number[] = [];
  let glyfLength = 0;
  // Not a for-of: a composite glyph's components join the subset (at its end) as they are met.
  for (let i = 0; i < subset.glyphs.length; i++) {
    const id = subset.glyphs[i];
    const glyph: Glyph = font.getGlyph(id);
    const record = glyph._decode?.() as GlyphRecord | null | undefined;
    let outline = source.glyf.subarray(offsets[id], offsets[id + 1]);
    if (record && record.numberOfContours < 0) {
      outline = Uint8Array.from(outline);
      const view = new DataView(outline.buffer);
      for (const component of record.components ?? [])
        view.setUint16(component.pos, subset.includeGlyph(component.glyphID));
    }
    glyphs.push(outline);
    locations.push(glyfLength);
    metrics.push(glyph.advanceWidth, glyph._getMetrics().leftBearing);
    glyfLength += outline.length;
  }
  locations.push(glyfLength);

  const longLoca = font.loca.version === 1;
  const loca = Buffer.alloc(locations.length * (longLoca ? 4 : 2));
  locations.forEach((at, i) =>
    longLoca ? loca.writeUInt32BE(at, i * 4) : loca.writeUInt16BE(at >>> 1, i * 2),
  );
  const hmtx = Buffer.alloc(metrics.length * 2);
  for (let i = 0; i < metrics.length; i += 2) {
    hmtx.writeUInt16BE(metrics[i], i * 2);
    hmtx.writeInt16BE(metrics[i + 1], i * 2 + 2);
  }
  const head = Buffer.from(source.head);
  head.writeInt16BE(font.loca.version, HEAD_INDEX_TO_LOC_FORMAT);
  const hhea = Buffer.from(source.hhea);
  hhea.writeUInt16BE(glyphs.length, HHEA_NUMBER_OF_METRICS);
  const maxp = Buffer.from(source.maxp);
  maxp.writeUInt16BE(glyphs.length, MAXP_NUM_GLYPHS);
  const tables: Record<(typeof TABLES)[number], Uint8Array[]> = {
    head: [head],
    hhea: [hhea],
    loca: [loca],
    maxp: [maxp],
    'cvt ': [source.cvt],
    prep: [source.prep],
    glyf: glyphs,
    hmtx: [hmtx],
    fpgm: [source.fpgm],
  };

  // The table directory (fontkit writes the tag `true`, a zero checksum, and the tables one after
  // the other in this order, unpadded), then the tables.
  const count = TABLES.length;
  const power = 2 ** Math.floor(Math.log2(count));
  const directory = Buffer.alloc(12 + 16 * count);
  directory.write('true', 0, 'latin1');
  directory.writeUInt16BE(count, 4);
  directory.writeUInt16BE(power * 16, 6);
  directory.writeUInt16BE(Math.log2(power), 8);
  directory.writeUInt16BE(count * 16 - power * 16, 10);
  let at = directory.length;
  TABLES.forEach((tag, i) => {
    const length = tables[tag].reduce((n, part) => n + part.length, 0);
    const entry = 12 + 16 * i;
    directory.write(tag, entry, 'latin1');
    directory.writeUInt32BE(0, entry + 4);
    directory.writeUInt32BE(at, entry + 8);
    directory.writeUInt32BE(length, entry + 12);
    at += length;
  });
  return Buffer.concat([directory, ...TABLES.flatMap((tag) => tables[tag])], at);
}
