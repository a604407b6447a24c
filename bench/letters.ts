/**
 * Letters benchmark, in one process and one run:
 * 1. a print run of 1,000 letters (the four notice kinds, French and English, 1 in 10 in large
 *    print) streamed to a file, in a child process: time and peak RSS (sampled at every letter and
 *    every 10 ms); then the same with the six kinds (appointment and medicines letters too), its
 *    pages per second against the four-kind run's (target: ≥ 0.9, no drop of more than 10%);
 * 2. 2-page patient-summary letters per second through @passerelle/letters (embedded DejaVu font),
 *    against bare pdfkit drawing the same text (the letter's own lines, read back from its PDF, at
 *    the same places and sizes) in the built-in Helvetica, alternating batches.
 * A third figure explains a design choice: the same bare drawing in DejaVu passed as file bytes,
 * which pdfkit re-parses for every document. Then each kind alone, alternating, its letters/s
 * and pages/s against the summary letter's (what each kind costs).
 * Targets (issue 15): ≥ 40 letters/s; ratio ≤ 1.5; peak RSS ≤ 200 MB; six-kind run ≥ 0.9 of the
 * four-kind one.
 * Run: npm run bench:letters [-- --seconds S] [-- --letters N]
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import {
  type Letter,
  type LetterCommon,
  type PrintRunEntry,
  renderLetter,
  writePrintRun,
} from '@passerelle/letters';
// The lib's own test fixtures (synthetic people): the bench renders what the tests check.
import * as fixtures from '../libs/letters/src/testing/fixtures';
import { onCleanup, runBench } from './lib/cleanup';
import { waitForQuiet } from './lib/cpu';
import { flag, intArg, machine, note, report, round } from './lib/report';

const TARGET_LETTERS_PER_SECOND = 40;
const TARGET_RATIO = 1.5;
const TARGET_PEAK_RSS_MB = 200;
const TARGET_CARE_MIX_RATIO = 0.9;
const MB = 2 ** 20;

// ---- the letters: the lib's synthetic fixtures, varied per letter ----

function overrides(i: number): Partial<LetterCommon> {
  return {
    reference: `PSL-2025-${String(i).padStart(6, '0')}`,
    patientName: `Élodie Lefèvre-${i}`,
    address: fixtures.address({ ...fixtures.ADDRESS_INPUT, recipient: `Mme Élodie Lefèvre-${i}` }),
    language: i % 4 === 3 ? 'en' : 'fr',
    largePrint: i % 10 === 9,
  };
}

const KINDS = {
  summary: (i: number) => fixtures.summaryLetter(overrides(i)),
  breakGlass: (i: number) => fixtures.breakGlassLetter(overrides(i)),
  // 25 accesses, one of them break-glass.
  accessReport: (i: number) => fixtures.accessReportLetter(25, overrides(i)),
  consentChange: (i: number) => fixtures.consentChangeLetter(overrides(i)),
  appointment: (i: number) => fixtures.appointmentLetter(i % 3 === 1 ? 'moved' : 'booked', overrides(i)),
  medicines: (i: number) => fixtures.medicinesLetter(overrides(i)),
} satisfies Record<string, (i: number) => Letter>;
const ORDER = Object.values(KINDS);

/** The first `kinds` kinds in turn (4: the notices; 6: appointment and medicines letters too). */
function letter(i: number, kinds: number): Letter {
  return ORDER[i % kinds](i);
}

// ---- phase 1: the print run, in a child process of its own ----

type RunFigures = Awaited<ReturnType<typeof printRun>>;

/** The run's peak RSS is the run's alone: no heap left over from the other phase, none shared. */
async function printRunInChild(count: number, kinds: number): Promise<RunFigures> {
  const args = [__filename, '--print-run-child', '--letters', String(count), '--kinds', String(kinds)];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  onCleanup(() => {
    if (child.exitCode === null) child.kill();
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the print-run child exited with ${code}`);
  return JSON.parse(out) as RunFigures;
}

async function printRun(count: number, kinds: number) {
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-letters-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const pdfPath = join(dir, 'run.pdf');
  const manifestPath = join(dir, 'run.csv');
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sample = () => {
    peak = Math.max(peak, process.memoryUsage().rss);
  };
  const timer = setInterval(sample, 10);
  function* entries(): Generator<PrintRunEntry> {
    for (let i = 0; i < count; i++) {
      sample();
      yield { letterId: `L-${i}`, patientReference: `Patient/${i}`, letter: letter(i, kinds) };
    }
  }
  const started = performance.now();
  const result = await writePrintRun(entries(), {
    pdf: createWriteStream(pdfPath),
    manifest: createWriteStream(manifestPath),
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(timer);
  sample();
  const manifestRows = readFileSync(manifestPath, 'utf8').trim().split('\r\n').length - 1;
  if (result.letters !== count || result.held.length > 0 || manifestRows !== count) {
    throw new Error(`print run: ${result.letters} letters, ${result.held.length} held, ${manifestRows} rows`);
  }
  return {
    letters: result.letters,
    pages: result.pages,
    sheets: result.sheets,
    pdfMB: round(statSync(pdfPath).size / MB, 1),
    seconds: round(seconds, 2),
    lettersPerSecond: round(count / seconds, 1),
    pagesPerSecond: round(result.pages / seconds, 1),
    rssBeforeMB: round(rssBefore / MB, 1),
    peakRssMB: round(peak / MB, 1),
  };
}

// ---- phase 2: letters/s against bare pdfkit ----

interface Line {
  page: number;
  str: string;
  x: number;
  y: number;
  size: number;
  bold: boolean;
}

/** The letter's text, item by item with position, size and weight, read back with pdf.js. */
async function linesOf(pdf: Buffer): Promise<Line[]> {
  const { getDocument } = await import('pdfjs-dist/legacy/build/pdf.mjs');
  const doc = await getDocument({ data: new Uint8Array(pdf), verbosity: 0 }).promise;
  const lines: Line[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const page = await doc.getPage(n);
    const content = await page.getTextContent();
    await page.getOperatorList(); // loads the page's fonts, whose names say the weight
    for (const item of content.items) {
      if (!('str' in item) || !item.str.trim()) continue;
      const [, , c, d, e, f] = item.transform as number[];
      const font = page.commonObjs.get(item.fontName) as { name?: string };
      const bold = font.name?.includes('Bold') ?? false;
      lines.push({ page: n, str: item.str, x: e, y: page.view[3] - f, size: Math.hypot(c, d), bold });
    }
  }
  await doc.destroy();
  return lines;
}

/** Bare pdfkit: the same strings, in the same weights, on the same pages at the same places. */
function bare(
  lines: readonly Line[],
  fonts: { regular: string | Buffer; bold: string | Buffer },
): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', autoFirstPage: false });
  const chunks: Uint8Array[] = [];
  const done = new Promise<Buffer>((resolve) => {
    doc.on('data', (c: Uint8Array) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
  });
  // A built-in font is selected by its name (registering it under an alias makes pdfkit reload
  // its metrics on every switch); file bytes are registered once per document.
  const name = (weight: 'regular' | 'bold'): string => {
    const font = fonts[weight];
    if (typeof font === 'string') return font;
    doc.registerFont(weight, font);
    return weight;
  };
  const regular = name('regular');
  const bold = name('bold');
  let page = 0;
  for (const line of lines) {
    while (page < line.page) {
      doc.addPage({ size: 'A4', margin: 0 });
      page += 1;
    }
    doc
      .font(line.bold ? bold : regular)
      .fontSize(line.size)
      .text(line.str, line.x, line.y - line.size * 0.8, { lineBreak: false });
  }
  doc.end();
  return done;
}

interface Tally {
  count: number;
  ms: number;
  /** CPU time of this process: on a shared machine, wall time also counts other jobs' turns. */
  cpuMs: number;
}

async function rate(render: () => Promise<unknown>, seconds: number): Promise<Tally> {
  const until = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  let count = 0;
  while (performance.now() < until) {
    await render();
    count += 1;
  }
  const used = process.cpuUsage(cpu);
  return { count, ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}

async function main(): Promise<void> {
  const seconds = intArg('seconds', 9);
  const runLetters = intArg('letters', 1000);

  if (flag('print-run-child')) {
    process.stdout.write(JSON.stringify(await printRun(runLetters, intArg('kinds', 4))));
    return;
  }
  // Four kinds, six, six, four: each mix's faster run, so that a change in load touches both alike.
  const runs: Record<4 | 6, RunFigures[]> = { 4: [], 6: [] };
  for (const kinds of [4, 6, 6, 4] as const) {
    note(`print run of ${runLetters} letters, ${kinds} kinds`);
    runs[kinds].push(await printRunInChild(runLetters, kinds));
  }
  const fastest = (list: RunFigures[]) =>
    list.reduce((a, b) => (b.pagesPerSecond > a.pagesPerSecond ? b : a));
  const [run, careRun] = [fastest(runs[4]), fastest(runs[6])];
  const careMixRatio = careRun.pagesPerSecond / run.pagesPerSecond;

  const sample = fixtures.summaryLetter();
  const first = await renderLetter(sample);
  if (first.pages !== 2) throw new Error(`the sample letter has ${first.pages} pages, not 2`);
  const lines = await linesOf(first.pdf);
  const dejavu = {
    regular: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')),
    bold: readFileSync(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
  };
  const variants: Record<'letters' | 'bareHelvetica' | 'bareDejaVuBytes', () => Promise<unknown>> = {
    letters: () => renderLetter(sample),
    bareHelvetica: () => bare(lines, { regular: 'Helvetica', bold: 'Helvetica-Bold' }),
    bareDejaVuBytes: () => bare(lines, dejavu),
  };
  note('warm-up');
  await rate(variants.letters, 1);
  await rate(variants.bareHelvetica, 1);
  // Alternating slices, so that a change in machine load touches every variant alike.
  const zero = (): Tally => ({ count: 0, ms: 0, cpuMs: 0 });
  const totals = { letters: zero(), bareHelvetica: zero(), bareDejaVuBytes: zero() };
  const busyCores = await waitForQuiet();
  const slices = 3;
  note(`measuring: ${slices} × ${round(seconds / slices, 1)} s per variant`);
  const add = (name: keyof typeof totals, r: Tally): void => {
    totals[name].count += r.count;
    totals[name].ms += r.ms;
    totals[name].cpuMs += r.cpuMs;
  };
  // The two compared variants alternate; the diagnostic one comes after, since its garbage (a
  // font parsed per document) would slow whichever ran next.
  for (let s = 0; s < slices; s++) {
    add('letters', await rate(variants.letters, seconds / slices));
    add('bareHelvetica', await rate(variants.bareHelvetica, seconds / slices));
  }
  add('bareDejaVuBytes', await rate(variants.bareDejaVuBytes, seconds / slices));
  note(`each kind alone: ${slices} × ${round(seconds / slices, 1)} s per kind`);
  const kindTotals = Object.fromEntries(Object.keys(KINDS).map((k) => [k, zero()])) as Record<
    keyof typeof KINDS,
    Tally
  >;
  const kindPages: Partial<Record<keyof typeof KINDS, number>> = {};
  for (const name of Object.keys(KINDS) as (keyof typeof KINDS)[])
    kindPages[name] = (await renderLetter(KINDS[name](0))).pages;
  for (let s = 0; s < slices; s++)
    for (const name of Object.keys(KINDS) as (keyof typeof KINDS)[]) {
      const r = await rate(() => renderLetter(KINDS[name](0)), seconds / slices / 2);
      kindTotals[name].count += r.count;
      kindTotals[name].ms += r.ms;
      kindTotals[name].cpuMs += r.cpuMs;
    }
  const perSecond = (t: Tally) => (t.count * 1000) / t.ms;
  const summaryRate = perSecond(kindTotals.summary);
  const perKind = Object.fromEntries(
    (Object.keys(KINDS) as (keyof typeof KINDS)[]).map((name) => [
      name,
      {
        pages: kindPages[name],
        lettersPerSecond: round(perSecond(kindTotals[name]), 1),
        pagesPerSecond: round(perSecond(kindTotals[name]) * (kindPages[name] ?? 1), 1),
        lettersRatioToSummary: round(perSecond(kindTotals[name]) / summaryRate, 2),
      },
    ]),
  );
  const perCpuSecond = (t: Tally) => (t.count * 1000) / t.cpuMs;
  const lettersRate = perSecond(totals.letters);
  const ratio = perSecond(totals.bareHelvetica) / lettersRate;
  const figures = (t: Tally) => ({
    lettersPerSecond: round(perSecond(t), 1),
    lettersPerCpuSecond: round(perCpuSecond(t), 1),
    rendered: t.count,
  });

  report('letters', {
    machine: machine(),
    workload: {
      sampleLetter: 'patient summary, 2 pages, French, standard print',
      sampleLines: lines.length,
      printRun:
        'the four notice kinds in turn, 1 in 4 in English, 1 in 10 in large print (the faster of two runs)',
      careMixRun:
        'the same with appointment and medicines letters: six kinds in turn (the faster of two runs)',
      seconds,
    },
    busyCoresBeforeMeasuring: busyCores,
    letters: figures(totals.letters),
    bareHelvetica: {
      what: 'bare pdfkit, the same text items at the same places, sizes and weights, built-in Helvetica',
      ...figures(totals.bareHelvetica),
    },
    bareDejaVuBytes: {
      what: 'bare pdfkit, same lines, DejaVu given as file bytes (pdfkit parses the font for each document)',
      ...figures(totals.bareDejaVuBytes),
    },
    ratioBareToLetters: round(ratio, 2),
    ratioBareToLettersCpu: round(perCpuSecond(totals.bareHelvetica) / perCpuSecond(totals.letters), 2),
    printRun: run,
    careMixRun: careRun,
    careMixPagesPerSecondRatio: round(careMixRatio, 2),
    perKind,
    targets: {
      lettersPerSecond: TARGET_LETTERS_PER_SECOND,
      ratio: TARGET_RATIO,
      peakRssMB: TARGET_PEAK_RSS_MB,
      careMixPagesPerSecondRatio: TARGET_CARE_MIX_RATIO,
    },
    meetsTarget: {
      lettersPerSecond: lettersRate >= TARGET_LETTERS_PER_SECOND,
      ratio: ratio <= TARGET_RATIO,
      peakRssMB: Math.max(...[...runs[4], ...runs[6]].map((r) => r.peakRssMB)) <= TARGET_PEAK_RSS_MB,
      careMixPagesPerSecondRatio: careMixRatio >= TARGET_CARE_MIX_RATIO,
    },
  });
}

runBench(main);
