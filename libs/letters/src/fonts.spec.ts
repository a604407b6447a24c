import { Writable } from 'node:stream';
import { MAX_CACHED_LENGTH, sharedLayouts } from './fonts';
import { writePrintRun } from './print-run';
import { renderLetter } from './render-letter';
import * as f from './testing/fixtures';

/** The bytes of a PDF without what differs between two renderings of it: its creation date and file id. */
function stable(pdf: Buffer): string {
  return pdf
    .toString('latin1')
    .replace(/\(D:\d{14}Z\)/g, '(D:)')
    .replace(/\/ID \[<[0-9a-f]+> <[0-9a-f]+>\]/g, '/ID []');
}

class Collector extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.chunks.push(chunk);
    done();
  }
}

describe('the word cache every document shares', () => {
  it('keeps at most its size, dropping the oldest word, and never a long string', () => {
    const cache = sharedLayouts(2);
    cache['votre '] = 'a';
    cache['dossier '] = 'b';
    cache['médical'] = 'c';
    expect(cache['votre ']).toBeUndefined();
    expect(cache['dossier ']).toBe('b');
    expect(cache['médical']).toBe('c');
    const long = 'x'.repeat(MAX_CACHED_LENGTH + 1);
    cache[long] = 'd';
    expect(cache[long]).toBeUndefined();
    expect(cache['dossier ']).toBe('b');
  });

  it('changes no byte of a letter, whatever other documents filled it with before', async () => {
    // The first document of this process (jest gives each spec file its own modules): empty caches.
    const first = await renderLetter(f.summaryLetter());
    const others = [
      f.breakGlassLetter({ language: 'en' }),
      f.accessReportLetter(25, { largePrint: true }),
      f.consentChangeWithForm({ patientName: 'Ægir Þórðarson-Δημήτρης Иванов' }),
      f.medicinesLetter(),
    ];
    for (const letter of others) await renderLetter(letter);
    await writePrintRun(
      others.map((letter, i) => ({ letterId: `L${i}`, patientReference: `P${i}`, letter })),
      { pdf: new Collector(), manifest: new Collector() },
    );
    const again = await renderLetter(f.summaryLetter());
    expect(again.pages).toBe(first.pages);
    expect(stable(again.pdf)).toBe(stable(first.pdf));
  });
});
