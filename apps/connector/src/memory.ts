import { constants, PerformanceObserver } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** This process's memory, in bytes, as `/health` reports it. */
export interface ProcessMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /**
   * V8's heap in use just after the last full (mark-compact) collection: what is still reachable.
   * RSS and `heapUsed` move with the collector's schedule and V8's sizing of its heap; this one
   * grows only when the process keeps more objects, so a leak shows here first. Null until the
   * first full collection.
   */
  heapAfterFullGc: number | null;
  fullGcs: number;
}

/**
 * WebAssembly compiled by V8's baseline compiler (Liftoff) only. Node's fetch, which every request
 * of the connector goes through, parses HTTP with llhttp compiled to WebAssembly; once it is hot,
 * V8 compiles it again with its optimizing compiler, which takes 18–28 MB of memory for a moment
 * (`peak_malloced_memory` 33 MB against 4 MB without): the connector's highest resident memory
 * in `bench/sync`. The baseline code parses the connector's few responses a second as well.
 * `--liftoff-only` is not accepted in `NODE_OPTIONS`, hence set here, at start, before any request
 * (docs/operations.md, what to expect on a small server).
 */
export function baselineWasmOnly(): void {
  setFlagsFromString('--liftoff-only');
}

let afterFullGc: number | null = null;
let fullGcs = 0;
let observer: PerformanceObserver | undefined;

/** Starts recording the heap after each full collection (once per process; cheap: one entry per collection). */
export function watchFullCollections(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
      // Read as the entry is delivered (just after the collection): what survived it, plus the little allocated since.
      afterFullGc = getHeapStatistics().used_heap_size;
      fullGcs++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
}

export function processMemory(): ProcessMemory {
  const m = process.memoryUsage();
  return {
    rss: m.rss,
    heapTotal: m.heapTotal,
    heapUsed: m.heapUsed,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    heapAfterFullGc: afterFullGc,
    fullGcs,
  };
}
