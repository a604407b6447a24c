import { Writable } from 'node:stream';
import type { Letter } from './letter-types';
import { type PrintRunEntry, writePrintRun } from './print-run';
import * as f from './testing/fixtures';
import { activePdfNames, readPdf } from './testing/read-pdf';

/** Collects what is written; `delayMs` makes it a slow consumer, to exercise back-pressure. */
class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  constructor(private readonly delayMs = 0) {
    super({ highWaterMark: 1024 });
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.delayMs > 0) setTimeout(done, this.delayMs);
    else done();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  get text(): string {
    return this.bytes.toString('utf8');
  }
}

function rows(manifest: string): string[][] {
  return manifest
    .trimEnd()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
}

function entry(letterId: string, letter: Letter, patientReference = `Patient/${letterId}`): PrintRunEntry {
  return { letterId, patientReference, letter };
}

const abroad = f.address({
  recipient: 'Herr Jürgen Weiß',
  lines: ['Hauptstraße 5'],
  postalCode: '10115',
  city: 'Berlin',
  country: 'DE',
});

describe('writePrintRun', () => {
  it('merges letters into one PDF, each starting on an odd page, and lists them in the manifest', async () => {
    const letters = [
      entry('L1', f.breakGlassLetter({ reference: 'REF-1' })),
      entry('L2', f.summaryLetter({ reference: 'REF-2' })),
      entry('L3', f.consentChangeLetter({ reference: 'REF-3', address: abroad, language: 'en' })),
      entry('L4', f.accessReportLetter(60, { reference: 'REF-4' })),
      entry('L5', f.breakGlassLetter({ reference: 'REF-5', largePrint: true })),
    ];
    const pdf = new Collector();
    const manifest = new Collector();
    const result = await writePrintRun(letters, { pdf, manifest });

    const table = rows(manifest.text);
    expect(manifest.text.split('\r\n')[0]).toBe(
      'letter_id,patient_reference,first_page,pages,sheets,postage_class,envelope',
    );
    expect(table.map((r) => r[6])).toEqual(['1 of 1', '1 of 1', '1 of 1', '1 of 1', '1 of 1']);
    expect(table.map((r) => r[0])).toEqual(['L1', 'L2', 'L3', 'L4', 'L5']);
    expect(table.map((r) => r[1])).toEqual([
      'Patient/L1',
      'Patient/L2',
      'Patient/L3',
      'Patient/L4',
      'Patient/L5',
    ]);
    expect(table.map((r) => r[5])).toEqual(['standard', 'standard', 'international', 'standard', 'standard']);
    const firstPages = table.map((r) => Number(r[2]));
    const pages = table.map((r) => Number(r[3]));
    expect(pages[3]).toBeGreaterThanOrEqual(3);
    firstPages.forEach((first) => expect(first % 2).toBe(1));
    table.forEach((r) => expect(Number(r[4])).toBe(Math.ceil(Number(r[3]) / 2)));

    const content = await readPdf(pdf.bytes);
    expect(activePdfNames(pdf.bytes)).toEqual([]);
    expect(content.pages).toHaveLength(firstPages[4] + pages[4] - 1);
    expect(result).toEqual({
      letters: 5,
      envelopes: 5,
      pages: content.pages.length,
      sheets: Math.ceil(content.pages.length / 2),
      held: [],
    });

    table.forEach((row, i) => {
      const first = firstPages[i];
      const count = pages[i];
      const english = row[0] === 'L3';
      const pageOf = (n: number) => (english ? `Page ${n} of ${count}` : `Page ${n} sur ${count}`);
      const start = content.pages[first - 1];
      expect(start.text).toContain(`REF-${i + 1}`);
      expect(start.text).toContain(pageOf(1));
      expect(content.pages[first + count - 2].text).toContain(pageOf(count));
      // The page before a letter is the previous letter's last page or a blank back.
      if (first > 1) {
        const before = content.pages[first - 2];
        const previousEnd = firstPages[i - 1] + pages[i - 1] - 1;
        if (previousEnd < first - 1) expect(before.text).toBe('');
      }
    });
  });

  it('holds a letter over 10 pages instead of printing it, and prints the others', async () => {
    const tooLong = f.accessReportLetter(0, { reference: 'LONG' });
    const accesses = Array.from({ length: 500 }, (_, i) => ({
      at: new Date(Date.UTC(2024, 0, 1 + i)),
      agency: `Agence ${i}`,
      breakGlass: false,
    }));
    const pdf = new Collector();
    const manifest = new Collector();
    const result = await writePrintRun(
      [
        entry('A', f.breakGlassLetter()),
        entry('B', { ...tooLong, accesses }),
        entry('C', f.consentChangeLetter()),
      ],
      { pdf, manifest },
    );
    expect(result.held).toEqual([
      { letterId: 'B', reason: 'too-long', message: expect.stringMatching(/needs \d+ pages/) as string },
    ]);
    expect(rows(manifest.text).map((r) => [r[0], r[2]])).toEqual([
      ['A', '1'],
      ['C', '3'],
    ]);
    const content = await readPdf(pdf.bytes);
    expect(content.pages).toHaveLength(3);
    expect(content.text).not.toContain('LONG');
  });

  it('keeps clinical data and formulas out of the manifest', async () => {
    const manifest = new Collector();
    await writePrintRun([entry('=1+1', f.summaryLetter(), "=cmd|' /C calc'!A0")], {
      pdf: new Collector(),
      manifest,
    });
    const line = manifest.text.split('\r\n')[1];
    expect(line).toBe(`"'=1+1","'=cmd|' /C calc'!A0",1,2,1,"standard","1 of 1"`);
    expect(manifest.text).not.toMatch(/Lefèvre|pénicilline|Diabète/);
  });

  it('waits for a slow output (back-pressure) and takes letters from an async source', async () => {
    async function* source(): AsyncGenerator<PrintRunEntry> {
      for (let i = 0; i < 6; i++) {
        await new Promise((resolve) => setImmediate(resolve));
        yield entry(`S${i}`, f.breakGlassLetter({ reference: `SLOW-${i}` }));
      }
    }
    const pdf = new Collector(2);
    const manifest = new Collector(2);
    const result = await writePrintRun(source(), { pdf, manifest });
    expect(result.letters).toBe(6);
    const content = await readPdf(pdf.bytes);
    // One-page letters: each followed by a blank back, but for the last.
    expect(content.pages).toHaveLength(11);
    expect(content.pages[10].text).toContain('SLOW-5');
  });

  it('fails, and destroys both outputs, when the PDF output fails', async () => {
    const pdf = new Writable({
      write(_chunk, _encoding, done) {
        done(new Error('disk full'));
      },
    });
    const manifest = new Collector();
    const letters = Array.from({ length: 4 }, (_, i) => entry(`E${i}`, f.breakGlassLetter()));
    await expect(writePrintRun(letters, { pdf, manifest })).rejects.toThrow('disk full');
    expect(manifest.destroyed).toBe(true);
  });
});
