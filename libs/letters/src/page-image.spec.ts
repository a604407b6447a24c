import { createCanvas, loadImage } from '@napi-rs/canvas';
import { firstPageImage, PREVIEW_SCALE } from './page-image';
import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';

/** The PNG decoded again: its size and the share of pixels that are not white. */
async function decode(png: Buffer): Promise<{
  width: number;
  height: number;
  inked: (x0: number, y0: number, x1: number, y1: number) => number;
}> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  const inked = (x0: number, y0: number, x1: number, y1: number): number => {
    let dark = 0;
    let all = 0;
    for (let y = Math.floor(y0); y < Math.floor(y1); y++)
      for (let x = Math.floor(x0); x < Math.floor(x1); x++) {
        const i = (y * image.width + x) * 4;
        all++;
        if (data[i] < 128 && data[i + 1] < 128 && data[i + 2] < 128) dark++;
      }
    return dark / all;
  };
  return { width: image.width, height: image.height, inked };
}

describe('a letter’s first page as an image', () => {
  it('is a PNG of the A4 page with the letter drawn on white', async () => {
    const { pdf } = await renderLetter(f.summaryLetter());
    const image = await firstPageImage(pdf);
    expect(image.png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const read = await decode(image.png);
    // A4 is 595.28 × 841.89 points.
    expect(read.width).toBe(Math.ceil(595.28 * PREVIEW_SCALE));
    expect(read.height).toBe(Math.ceil(841.89 * PREVIEW_SCALE));
    expect(image).toMatchObject({ width: read.width, height: read.height });
    // Text is drawn (some dark pixels on the page) but the page is mostly paper.
    const page = read.inked(0, 0, read.width, read.height);
    expect(page).toBeGreaterThan(0.002);
    expect(page).toBeLessThan(0.3);
    // The address block sits in the envelope window (right half, upper quarter): inked there.
    expect(read.inked(read.width / 2, read.height * 0.15, read.width, read.height * 0.3)).toBeGreaterThan(
      0.002,
    );
    // The corners, in the margins, are blank.
    expect(read.inked(0, 0, 20, 20)).toBe(0);
  });

  it('renders only the first page of a longer letter', async () => {
    const { pdf, pages } = await renderLetter(f.accessReportLetter(80));
    expect(pages).toBeGreaterThan(1);
    const image = await firstPageImage(pdf, 1);
    const read = await decode(image.png);
    expect([read.width, read.height]).toEqual([596, 842]);
  });
});
