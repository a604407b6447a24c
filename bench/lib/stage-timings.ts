/**
 * Preloaded into a hub process (`node -r`) by `bench/consent --timings`: times the stages of an
 * audited, consent-checked read inside the hub and writes the running totals, with the event
 * loop's utilisation, to BENCH_TIMINGS_FILE every 200 ms; the bench diffs two snapshots taken
 * around its measured window (bench/lib/stage-report). It exists to say where the time goes;
 * nothing in the product loads it.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BUCKETS, bucketOf, type StageTotals, type TimingsSnapshot } from './stage-buckets';

const file = process.env.BENCH_TIMINGS_FILE;
if (!file) throw new Error('BENCH_TIMINGS_FILE is required');

type AsyncMethod = (this: unknown, ...args: unknown[]) => Promise<unknown>;
type Prototype = Record<string, AsyncMethod>;

const stages: Record<string, StageTotals> = {};

function totals(name: string): StageTotals {
  return (stages[name] ??= {
    calls: 0,
    totalMs: 0,
    buckets: new Array<number>(BUCKETS.length + 1).fill(0),
    items: 0,
  });
}

/** Wraps `prototype[method]`; `items` counts what one call handled (e.g. events in a flush). */
function time(
  stage: string,
  prototype: Prototype,
  method: string,
  items?: (args: unknown[]) => number,
): void {
  const original = prototype[method];
  if (typeof original !== 'function') throw new Error(`${stage}: no method ${method}`);
  prototype[method] = async function timed(this: unknown, ...args: unknown[]): Promise<unknown> {
    const started = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      const ms = performance.now() - started;
      const t = totals(stage);
      t.calls++;
      t.totalMs += ms;
      t.buckets[bucketOf(ms)]++;
      if (items) t.items += items(args);
    }
  };
}

// The same module files the hub loads, so its classes are the ones patched.
const load = (path: string, name: string): Prototype => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(resolve(__dirname, '../..', path)) as Record<string, { prototype: Prototype }>;
  return module[name].prototype;
};
const scoped = load('libs/consent/src/scoped/consent-scoped-repository.js', 'ConsentScopedRepository');
const service = load('libs/consent/src/consent.service.js', 'ConsentService');
const person = load('libs/consent/src/person-consent-source.js', 'PersonConsentSource');
const writer = load('libs/audit/src/audit-writer.js', 'AuditWriter');
const repository = load('libs/store/src/fhir-repository.js', 'FhirRepository');

time('scopedRead', scoped, 'read');
time('storeRead', repository, 'current');
time('readAndDecide', service, 'readAndDecide');
time('consentDecision', service, 'decideAll');
time('consentLookup', person, 'consentsFor');
// A checked read's person input read again: not held, or its records or versions changed.
time('consentInputsRead', person, 'inputsOf');
time('auditWait', writer, 'record');
time('auditFlush', writer, 'flush', (args) =>
  (args[0] as { events: unknown[] }[]).reduce((n, p) => n + p.events.length, 0),
);

const timer = setInterval(() => {
  const snapshot: TimingsSnapshot = {
    atMs: Date.now(),
    eventLoop: performance.eventLoopUtilization(),
    stages,
  };
  writeFileSync(file, JSON.stringify(snapshot));
}, 200);
timer.unref();
