/**
 * The built hub's start-up: time from process start to `/health` answering 200 and the process's
 * memory then (VmRSS) and at its peak (VmHWM), on a migrated PostgreSQL database (a first start
 * migrates and is not measured). Run: npm run build && node dist/bench/startup.js [--runs 5]
 * What it tells: the cost of loading what the hub derives from the FHIR definitions (the stored
 * types, their search parameters, the schema's validators) at every start.
 */
import { readFileSync } from 'node:fs';
import { runBench } from './lib/cleanup';
import { createDatabase, describePostgres } from './lib/database';
import { startHub } from './lib/hub';
import { intArg, machine, note, percentile, report, round } from './lib/report';

/** kB figures of /proc/<pid>/status, in MB. */
function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: round(kb('VmRSS') / 1024), peakRssMb: round(kb('VmHWM') / 1024) };
}

runBench(async () => {
  const runs = intArg('runs', 5);
  const db = await createDatabase('startup');
  note('first start: migrations (not measured)');
  const first = await startHub({ databaseUrl: db.url });
  await first.stop();
  const startMs: number[] = [];
  const rss: number[] = [];
  const peak: number[] = [];
  const afterMetadata: number[] = [];
  for (let i = 0; i < runs; i++) {
    note(`start ${i + 1} of ${runs}`);
    const t0 = performance.now();
    const hub = await startHub({ databaseUrl: db.url });
    startMs.push(performance.now() - t0);
    const m = memoryOf(hub.pid);
    rss.push(m.rssMb);
    peak.push(m.peakRssMb);
    const res = await fetch(`${hub.fhir}/metadata`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`/fhir/metadata answered ${res.status}`);
    afterMetadata.push(memoryOf(hub.pid).rssMb);
    await hub.stop();
  }
  const summary = (xs: number[]) => ({ p50: round(percentile(xs, 50)), max: round(Math.max(...xs)) });
  report('startup', {
    machine: machine(),
    postgres: await describePostgres(),
    runs,
    note: 'start = process spawn to /health 200, plus one admin call registering the bench agency',
    startMs: summary(startMs),
    rssMbAtStart: summary(rss),
    peakRssMbAtStart: summary(peak),
    rssMbAfterMetadata: summary(afterMetadata),
  });
});
