import type request from 'supertest';

/** What the letters' end-to-end tests share: reading a PDF back, a binary body, waiting on the hub. */

// A source of its own (see libs/letters/src/testing/read-pdf.ts: V8 reuses a compiled Function).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // ${Math.random()}`) as (
  s: string,
) => Promise<unknown>;
interface PdfJs {
  getDocument(src: { data: Uint8Array; useSystemFonts?: boolean }): {
    promise: Promise<{
      numPages: number;
      getPage(n: number): Promise<{ getTextContent(): Promise<{ items: object[] }> }>;
    }>;
  };
}
/** Every page's text, read back with pdf.js (ESM-only: imported through a Function SWC leaves alone). */
export async function pdfText(pdf: Uint8Array): Promise<{ pages: number; text: string }> {
  const pdfjs = (await importEsm('pdfjs-dist/legacy/build/pdf.mjs')) as PdfJs;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const parts: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item && typeof item.str === 'string') parts.push(item.str);
  }
  return { pages: doc.numPages, text: parts.join(' ').replace(/\s+/g, ' ') };
}

export function binary(response: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}

/** Waits for a condition the hub reaches in the background (polling, no timed assertion). */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}
