/** What bench/lib/stage-timings writes and bench/lib/stage-report reads. */

/** Upper bounds (ms) of the latency buckets: 0.05 ms growing by 1.25× to about 2 s; one more for the rest. */
export const BUCKETS: readonly number[] = Array.from({ length: 48 }, (_, i) => 0.05 * 1.25 ** i);

export function bucketOf(ms: number): number {
  const i = BUCKETS.findIndex((upper) => ms <= upper);
  return i < 0 ? BUCKETS.length : i;
}

export interface StageTotals {
  calls: number;
  totalMs: number;
  /** Calls per bucket of BUCKETS (the last one: above the largest bound). */
  buckets: number[];
  /** What the calls handled, where counted (e.g. audit events per flush). */
  items: number;
}

export interface TimingsSnapshot {
  atMs: number;
  /** performance.eventLoopUtilization() since the process started. */
  eventLoop: { idle: number; active: number; utilization: number };
  stages: Record<string, StageTotals>;
}
