import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { ROOT } from './processes';

export interface Machine {
  cpu: string;
  cores: number;
  totalMemoryGiB: number;
  node: string;
  platform: string;
}

export function machine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model ?? 'unknown',
    cores: list.length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/** Which code was measured: the commit, and whether the hub's sources differed from it. */
function source(): { commit: string; uncommittedHubChanges: boolean } | undefined {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    return {
      commit: git('rev-parse', '--short', 'HEAD'),
      uncommittedHubChanges: git('status', '--porcelain', '--', 'apps', 'libs').length > 0,
    };
  } catch {
    return undefined; // not a git checkout
  }
}

/** Prints the report as JSON on stdout and writes it to bench/results/<name>.json (the source tree, not dist). */
export function report(name: string, data: Record<string, unknown>): void {
  const json = JSON.stringify(
    { benchmark: name, date: new Date().toISOString(), source: source(), ...data },
    null,
    2,
  );
  const dir = resolve(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, `${name}.json`), `${json}\n`);
  console.log(json);
}

/** Nearest-rank percentile of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Largest sample; a loop, since Math.max(...samples) overflows the stack on large arrays. */
export function maximum(samples: readonly number[]): number {
  return samples.reduce((a, b) => (b > a ? b : a), -Infinity);
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** `--name value` from the command line, as a positive integer. */
export function intArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} expects a positive integer`);
  return value;
}

/** `--name value` from the command line, as text. */
export function textArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = process.argv[i + 1];
  if (value === undefined || value.startsWith('--')) throw new Error(`--${name} expects a value`);
  return value;
}

/**
 * `--node-flags "<flags>"`: Node's flags for the hub instead of NODE_FLAGS.hub (`none`: no flag),
 * to measure what they do; undefined when not given.
 */
export function nodeFlagsArg(): string[] | undefined {
  const i = process.argv.indexOf('--node-flags');
  if (i < 0) return undefined;
  // The next argument whatever it starts with: Node's flags start with `--` themselves.
  const text = process.argv[i + 1];
  if (text === undefined) throw new Error('--node-flags expects a value: quoted flags, or none');
  return text === 'none' ? [] : text.split(/\s+/).filter(Boolean);
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/** Progress and notes go to stderr, so stdout stays one JSON document. */
export function note(message: string): void {
  console.error(`[bench] ${message}`);
}

/** `ingest`, or `ingest-redis-profiled` for a variant: diagnostic runs never overwrite the reference results. */
export function resultName(base: string, variants: Record<string, boolean>): string {
  return [base, ...Object.keys(variants).filter((k) => variants[k])].join('-');
}
