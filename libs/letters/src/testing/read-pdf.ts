import type * as PdfJs from 'pdfjs-dist/legacy/build/pdf.mjs' with { 'resolution-mode': 'import' };

/**
 * Reads a PDF back the way a reader (or a mailroom's software) would, with Mozilla's pdf.js, for
 * tests: the pages' sizes, every text item with its position and size, the annotations, the
 * document's language. Not exported from the lib's index: tests only.
 *
 * pdfjs-dist 5 is ESM-only. Jest's SWC transform turns `import()` into `require()`, which cannot
 * load ESM, so the import is made through a Function that SWC does not see (see the report: the
 * SWC option `module.ignoreDynamic: true` in jest.config.js would make this unnecessary).
 * The Function's source is made unique: V8 reuses a compiled Function of the same source, and a
 * reused one imports through the module loader of the first test file that compiled it, which
 * jest tears down with that file ("import a file after the Jest environment has been torn
 * down" in the next file of the same worker).
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // ${Math.random()}`) as (
  specifier: string,
) => Promise<unknown>;

let pdfjs: Promise<typeof PdfJs> | undefined;
function loadPdfJs(): Promise<typeof PdfJs> {
  pdfjs ??= importEsm('pdfjs-dist/legacy/build/pdf.mjs') as Promise<typeof PdfJs>;
  return pdfjs;
}

export interface TextItem {
  str: string;
  /** Left edge of the text, in points from the left of the page. */
  x: number;
  /** Baseline, in points from the BOTTOM of the page (PDF coordinates). */
  y: number;
  width: number;
  /** Font size in points (the text matrix's vertical scale). */
  size: number;
  fontName: string;
}

export interface PageContent {
  width: number;
  height: number;
  items: TextItem[];
  /** The page's text, items joined, whitespace collapsed to single spaces. */
  text: string;
  /** Text lines, top to bottom: items grouped by baseline. */
  lines: string[];
  annotations: unknown[];
}

export interface PdfContent {
  pages: PageContent[];
  /** All pages' text, joined by a space. */
  text: string;
  /** The catalog's /Lang. */
  language?: string;
  info: Record<string, unknown>;
}

type ContentItem = Awaited<ReturnType<PdfJs.PDFPageProxy['getTextContent']>>['items'][number];
type PdfTextItem = Extract<ContentItem, { str: string }>;

function isTextItem(item: ContentItem): item is PdfTextItem {
  return 'str' in item;
}

function linesOf(items: readonly TextItem[]): string[] {
  const rows = new Map<number, TextItem[]>();
  for (const item of items) {
    if (!item.str.trim()) continue;
    const key = Math.round(item.y);
    const near = [...rows.keys()].find((k) => Math.abs(k - key) <= 1);
    const row = rows.get(near ?? key) ?? [];
    row.push(item);
    rows.set(near ?? key, row);
  }
  return [...rows.entries()]
    .sort((a, b) => b[0] - a[0])
    .map(([, row]) =>
      row
        .sort((a, b) => a.x - b.x)
        .map((i) => i.str)
        .join('')
        .replace(/\s+/g, ' ')
        .trim(),
    );
}

export async function readPdf(bytes: Uint8Array): Promise<PdfContent> {
  const { getDocument } = await loadPdfJs();
  const task = getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  const doc = await task.promise;
  try {
    const pages: PageContent[] = [];
    for (let n = 1; n <= doc.numPages; n++) {
      const page = await doc.getPage(n);
      const [x0, y0, x1, y1] = page.view;
      const content = await page.getTextContent();
      const items: TextItem[] = content.items.filter(isTextItem).map((i) => {
        const [, , c, d, e, f] = i.transform as number[];
        return { str: i.str, x: e, y: f, width: i.width, size: Math.hypot(c, d), fontName: i.fontName };
      });
      pages.push({
        width: x1 - x0,
        height: y1 - y0,
        items,
        text: items
          .map((i) => i.str)
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim(),
        lines: linesOf(items),
        annotations: await page.getAnnotations(),
      });
    }
    const meta = await doc.getMetadata();
    const info = meta.info as Record<string, unknown>;
    return {
      pages,
      text: pages.map((p) => p.text).join(' '),
      language: typeof info.Language === 'string' ? info.Language : undefined,
      info,
    };
  } finally {
    await doc.destroy();
  }
}

/** Items whose text contains `needle`, with the page they are on (1-based). */
export function findText(pdf: PdfContent, needle: string): (TextItem & { page: number })[] {
  return pdf.pages.flatMap((p, i) =>
    p.items.filter((item) => item.str.includes(needle)).map((item) => ({ ...item, page: i + 1 })),
  );
}

/**
 * PDF names in the file's object dictionaries that would make it more than inert text: links,
 * actions, scripts, embedded files, forms, images. pdfkit writes dictionaries uncompressed (only
 * streams are compressed), so a search of the raw bytes finds them.
 */
export const ACTIVE_PDF_NAMES = [
  '/Annot',
  '/Link',
  '/URI',
  '/JavaScript',
  '/JS',
  '/Launch',
  '/OpenAction',
  '/AA',
  '/EmbeddedFile',
  '/AcroForm',
  '/Image',
  '/SubmitForm',
  '/GoToR',
] as const;

export function activePdfNames(bytes: Uint8Array): string[] {
  const raw = Buffer.from(bytes).toString('latin1');
  return ACTIVE_PDF_NAMES.filter((name) => new RegExp(`${name.replace('/', '\\/')}(?![A-Za-z])`).test(raw));
}
