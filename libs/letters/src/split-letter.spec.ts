import { Writable } from 'node:stream';
import type { Condition } from 'fhir/r4';
import { MAX_PAGES } from './geometry';
import { type PatientSummaryLetter } from './letter-types';
import { writePrintRun } from './print-run';
import * as f from './testing/fixtures';
import { readPdf } from './testing/read-pdf';

/** A summary too long for one envelope is posted in several, each within the limit, numbered. */

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    done();
  }
  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

function longSummary(problems: number, overrides: Parameters<typeof f.summaryLetter>[0] = {}) {
  const conditions: Condition[] = Array.from({ length: problems }, (_, i) => ({
    resourceType: 'Condition',
    id: `c${i}`,
    meta: { lastUpdated: '2025-02-01T09:00:00Z' },
    subject: { reference: 'Patient/p1' },
    clinicalStatus: { coding: [{ code: 'active' }] },
    code: { text: `Problème de santé numéro ${i + 1}` },
    onsetDateTime: '2015-03',
  }));
  return {
    ...f.summaryLetter(overrides),
    summary: f.summaryBundle({ problems: conditions }),
  } satisfies PatientSummaryLetter;
}

async function print(letter: PatientSummaryLetter) {
  const pdf = new Collector();
  const manifest = new Collector();
  const result = await writePrintRun([{ letterId: 'S', patientReference: 'Patient/S', letter }], {
    pdf,
    manifest,
  });
  const rows = manifest.bytes
    .toString('utf8')
    .trimEnd()
    .split('\r\n')
    .slice(1)
    .map((line) => line.split(',').map((cell) => cell.replace(/^"|"$/g, '')));
  return { result, rows, content: await readPdf(pdf.bytes) };
}

describe('a summary too long for one envelope', () => {
  it('is posted in several envelopes, each within 10 pages, numbered on its first page and in the manifest', async () => {
    const { result, rows, content } = await print(longSummary(400));
    expect(result.held).toEqual([]);
    expect(result.letters).toBe(1);
    expect(result.envelopes).toBeGreaterThanOrEqual(2);
    const of = result.envelopes;
    expect(rows.map((r) => r[6])).toEqual(Array.from({ length: of }, (_, i) => `${i + 1} of ${of}`));
    expect(rows.every((r) => r[0] === 'S')).toBe(true);
    for (const [i, row] of rows.entries()) {
      const first = Number(row[2]);
      const pages = Number(row[3]);
      expect(pages).toBeLessThanOrEqual(MAX_PAGES);
      expect(first % 2).toBe(1); // each envelope starts on a fresh sheet
      const page = content.pages[first - 1];
      expect(page.text).toContain(`Enveloppe ${i + 1} sur ${of}`);
      expect(page.text).toContain('Mme Élodie Lefèvre'); // a whole letter: the address in the window
      expect(content.pages[first + pages - 2].text).toContain(`Page ${pages} sur ${pages}`);
    }
    // Every entry printed once, in order, across the envelopes; the cut section is "(suite)".
    const text = content.text;
    const positions = Array.from({ length: 400 }, (_, i) => text.indexOf(`numéro ${i + 1} `));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(text.split('Problème de santé numéro 7 ').length).toBe(2);
    expect(text).toContain('(suite)');
    // The introduction opens the first envelope; how to correct the record closes the last.
    const lastFirst = Number(rows[of - 1][2]);
    expect(content.pages[0].text).toContain('Voici ce résumé');
    expect(
      content.pages
        .slice(lastFirst - 1)
        .map((p) => p.text)
        .join(' '),
    ).toContain('Si une information vous semble fausse');
  });

  it('says "Envelope 1 of 2" in English', async () => {
    const { rows, content } = await print(longSummary(400, { language: 'en' }));
    expect(content.pages[0].text).toContain(`Envelope 1 of ${rows.length}`);
  });

  it('is held when it would need more than 5 envelopes', async () => {
    const { result, rows } = await print(longSummary(1200, { largePrint: true }));
    expect(result.held).toEqual([
      {
        letterId: 'S',
        reason: 'too-long',
        message: expect.stringMatching(/more than 5 envelopes/) as string,
      },
    ]);
    expect(rows).toEqual([]);
  });
});
