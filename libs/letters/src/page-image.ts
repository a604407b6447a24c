import type * as PdfJs from 'pdfjs-dist/legacy/build/pdf.mjs' with { 'resolution-mode': 'import' };

/**
 * The first page of a PDF as a PNG, rendered with Mozilla's pdf.js on @napi-rs/canvas (what
 * pdf.js uses for a canvas under Node): the mailroom's preview of a letter.
 *
 * pdfjs-dist 5 is ESM-only and the hub is CommonJS; SWC (jest) turns `import()` into
 * `require()`, so the import goes through a Function neither compiler rewrites. Its source is
 * unique per module instance: V8 reuses a compiled Function of the same source, and jest tears
 * down the module loader of the test file that compiled it first (see testing/read-pdf.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // page-image ${Math.random()}`) as (
  specifier: string,
) => Promise<unknown>;

let pdfjs: Promise<typeof PdfJs> | undefined;
function loadPdfJs(): Promise<typeof PdfJs> {
  pdfjs ??= importEsm('pdfjs-dist/legacy/build/pdf.mjs') as Promise<typeof PdfJs>;
  return pdfjs;
}

export interface PageImage {
  png: Buffer;
  width: number;
  height: number;
}

/** Pixels per PDF point: 1.5 gives an A4 page about 893 × 1263 pixels, legible on a screen. */
export const PREVIEW_SCALE = 1.5;

/**
 * Renders page 1 of `pdf` on a white background. Scripts stay off (no eval, no font faces:
 * glyphs are drawn as paths from the embedded fonts).
 */
export async function firstPageImage(pdf: Uint8Array, scale = PREVIEW_SCALE): Promise<PageImage> {
  const { getDocument } = await loadPdfJs();
  const doc = await getDocument({
    data: new Uint8Array(pdf),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  try {
    const page = await doc.getPage(1);
    const viewport = page.getViewport({ scale });
    const factory = doc.canvasFactory as CanvasFactoryLike;
    const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    const params = { canvas, canvasContext: context, viewport } as unknown as RenderParameters;
    await page.render(params).promise;
    const png = canvas.toBuffer('image/png');
    page.cleanup();
    return { png, width: canvas.width, height: canvas.height };
  } finally {
    await doc.destroy();
  }
}

type RenderParameters = Parameters<PdfJs.PDFPageProxy['render']>[0];

/** What pdf.js's Node canvas factory makes (an @napi-rs/canvas Canvas), as far as we use it. */
interface CanvasFactoryLike {
  create(
    width: number,
    height: number,
  ): {
    canvas: { width: number; height: number; toBuffer(mime: 'image/png'): Buffer };
    context: { fillStyle: string; fillRect(x: number, y: number, w: number, h: number): void };
  };
}
