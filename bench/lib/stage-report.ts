import { existsSync, readFileSync } from 'node:fs';
import { round } from './report';
import { BUCKETS, type StageTotals, type TimingsSnapshot } from './stage-buckets';

/** The latest snapshot the hub's stage-timings preload wrote (it writes every 200 ms). */
export async function readTimings(file: string): Promise<TimingsSnapshot> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as TimingsSnapshot;
      } catch {
        // Caught mid-write: read again.
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no stage timings in ${file}: was the hub started with the stage-timings preload?`);
}

/** A bucket's upper bound: the percentile is reported as "at most this". */
function percentile(buckets: number[], calls: number, p: number): number {
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    seen += buckets[i];
    if (seen >= (p / 100) * calls) return BUCKETS[Math.min(i, BUCKETS.length - 1)];
  }
  return BUCKETS[BUCKETS.length - 1];
}

/**
 * Per stage between two snapshots: calls per second, mean, p50 and p99 (bucket bounds, within
 * 25%), and the share of the hub's event loop that was busy (1.0: the hub was CPU-bound).
 */
export function diffTimings(before: TimingsSnapshot, after: TimingsSnapshot) {
  const seconds = (after.atMs - before.atMs) / 1000;
  const active = after.eventLoop.active - before.eventLoop.active;
  const idle = after.eventLoop.idle - before.eventLoop.idle;
  const stages: Record<string, object> = {};
  for (const [name, a] of Object.entries(after.stages)) {
    const b: StageTotals = before.stages[name] ?? {
      calls: 0,
      totalMs: 0,
      buckets: a.buckets.map(() => 0),
      items: 0,
    };
    const calls = a.calls - b.calls;
    if (calls === 0) continue;
    const buckets = a.buckets.map((n, i) => n - (b.buckets[i] ?? 0));
    const items = a.items - b.items;
    stages[name] = {
      callsPerSecond: Math.round(calls / seconds),
      meanMs: round((a.totalMs - b.totalMs) / calls, 3),
      p50MsAtMost: round(percentile(buckets, calls, 50), 3),
      p99MsAtMost: round(percentile(buckets, calls, 99), 3),
      ...(items > 0 ? { itemsPerCall: round(items / calls, 2) } : {}),
    };
  }
  return {
    windowSeconds: round(seconds, 2),
    eventLoopUtilization: round(active / (active + idle), 3),
    stages,
  };
}
