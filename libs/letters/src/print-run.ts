import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { MAX_PAGES } from './geometry';
import type { Letter } from './letter-types';
import { manifestHeader, manifestLine } from './manifest';
import {
  drawLetter,
  flushWrittenPages,
  measureLetter,
  measuringDocument,
  newDocument,
} from './render-letter';
import { MAX_ENVELOPES, splitLetter } from './split-letter';

/**
 * A print run: many letters in ONE PDF for the mailroom's printer, plus a CSV manifest. Each letter
 * starts on an odd page (a blank page is inserted after a letter with an odd page count), so
 * printed on both sides every letter begins on a fresh sheet.
 *
 * Memory stays flat whatever the run's size: pages are buffered for one letter at a time (so
 * its footers can say "page x of y"), then flushed to the output and let go of (the page tree
 * keeps only their object numbers; shaped words go to one bounded cache per process, not to the
 * document: see fonts.ts); the next letter waits while the output stream is full. pdfkit cannot take pages back out of a document, so each letter is first
 * drawn into a scratch document to count its pages. A summary over 10 pages is split into several
 * envelopes (split-letter.ts), each within the limit and starting on a fresh sheet, one manifest
 * row each; any other letter over 10 pages, or one that fails to draw, is held (reported, not
 * printed) instead of spoiling the run.
 */

/** Letters measured in one scratch document before it is replaced. */
const SCRATCH_LETTERS = 100;

export type PostageClass = 'standard' | 'priority' | 'international';

export interface PrintRunEntry {
  letterId: string;
  /** An opaque reference to the patient, for the manifest: no name, no clinical data. */
  patientReference: string;
  letter: Letter;
  /** Domestic postage; an address abroad always goes `international`. */
  postage?: 'standard' | 'priority';
}

export interface PrintRunOutput {
  pdf: Writable;
  manifest: Writable;
}

export interface HeldLetter {
  letterId: string;
  reason: 'too-long' | 'render-failed';
  message: string;
}

export interface PrintRunResult {
  /** Letters in the PDF and the manifest. */
  letters: number;
  /** Envelopes: letters, a split summary counting once per envelope. */
  envelopes: number;
  /** Pages in the PDF, blank pages included. */
  pages: number;
  /** Sheets of paper printed on both sides. */
  sheets: number;
  held: HeldLetter[];
}

/** Writes to a stream, waiting when it is full; a failed stream fails the run. */
class Sink {
  readonly done: Promise<void>;
  constructor(readonly stream: Writable) {
    this.done = finished(stream);
    this.done.catch(() => undefined); // awaited at the end; an early failure surfaces at the next drain
  }
  write(chunk: string | Uint8Array): boolean {
    return this.stream.write(chunk);
  }
  async drained(): Promise<void> {
    if (this.stream.errored) throw this.stream.errored;
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }
}

function postage(entry: PrintRunEntry): PostageClass {
  return entry.letter.address.international ? 'international' : (entry.postage ?? 'standard');
}

/**
 * Renders every entry into `out.pdf` and lists it in `out.manifest`; ends both streams. On failure
 * both streams are destroyed with the error: the caller discards what was written.
 * A run in which no letter could be printed has a PDF without pages and an empty manifest.
 */
export async function writePrintRun(
  entries: AsyncIterable<PrintRunEntry> | Iterable<PrintRunEntry>,
  out: PrintRunOutput,
): Promise<PrintRunResult> {
  const pdf = new Sink(out.pdf);
  const manifest = new Sink(out.manifest);
  const doc = newDocument({ title: 'Passerelle print run', author: 'Passerelle', lang: 'fr-FR' });
  doc.on('data', (chunk: Uint8Array) => pdf.write(chunk));
  doc.on('end', () => out.pdf.end());
  let scratch = measuringDocument();
  let measuredSinceFresh = 0;
  const held: HeldLetter[] = [];
  let pages = 0;
  let letters = 0;
  let envelopes = 0;
  try {
    manifest.write(manifestHeader());
    for await (const entry of entries) {
      let parts: { letter: Letter; pages: number }[];
      // A fresh measuring document now and then: it keeps a little state per page drawn.
      if (++measuredSinceFresh > SCRATCH_LETTERS) {
        scratch = measuringDocument();
        measuredSinceFresh = 1;
      }
      try {
        const measured = measureLetter(scratch, entry.letter);
        parts = [{ letter: entry.letter, pages: measured }];
        if (measured > MAX_PAGES) {
          const split = splitLetter(entry.letter, (l) => measureLetter(scratch, l));
          scratch = measuringDocument(); // splitting drew many pages
          measuredSinceFresh = 0;
          parts = (split ?? []).map((letter) => ({ letter, pages: measureLetter(scratch, letter) }));
          if (parts.length === 0 || parts.some((p) => p.pages > MAX_PAGES)) {
            held.push({
              letterId: entry.letterId,
              reason: 'too-long',
              message:
                entry.letter.kind === 'patient-summary'
                  ? `The summary needs ${measured} pages: more than ${MAX_ENVELOPES} envelopes of ${MAX_PAGES}.`
                  : `The letter needs ${measured} pages; at most ${MAX_PAGES} fit one envelope.`,
            });
            continue;
          }
        }
      } catch (e) {
        scratch = measuringDocument(); // the failed letter's pages are stuck in the old one
        const kind = e instanceof Error ? e.name : 'unknown error';
        held.push({
          letterId: entry.letterId,
          reason: 'render-failed',
          message: `The letter could not be drawn (${kind}).`,
        });
        continue;
      }
      for (const [i, part] of parts.entries()) {
        if (pages % 2 === 1) {
          doc.addPage({ size: 'A4' }); // the back of the previous letter's last sheet
          pages += 1;
        }
        const drawn = drawLetter(doc, part.letter);
        if (drawn !== part.pages)
          throw new Error(`Letter ${entry.letterId}: measured ${part.pages} pages, drew ${drawn}`);
        flushWrittenPages(doc);
        manifest.write(
          manifestLine({
            letterId: entry.letterId,
            patientReference: entry.patientReference,
            firstPage: pages + 1,
            pages: drawn,
            sheets: Math.ceil(drawn / 2),
            postageClass: postage(entry),
            envelope: `${i + 1} of ${parts.length}`,
          }),
        );
        pages += drawn;
        envelopes += 1;
        await Promise.all([pdf.drained(), manifest.drained()]);
      }
      letters += 1;
    }
    doc.end();
    out.manifest.end();
    await Promise.all([pdf.done, manifest.done]);
    return { letters, envelopes, pages, sheets: Math.ceil(pages / 2), held };
  } catch (e) {
    const error = e instanceof Error ? e : new Error(String(e));
    out.pdf.destroy(error);
    out.manifest.destroy(error);
    throw error;
  }
}
