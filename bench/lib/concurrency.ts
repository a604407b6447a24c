/** Runs `task` over `items` with at most `concurrency` in flight; per-item latencies in ms. */
export async function runConcurrently<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<{ elapsedMs: number; latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  let next = 0;
  let failure: Error | undefined;
  const start = performance.now();
  const worker = async () => {
    // Stop taking work after the first failure: the run is invalid anyway.
    while (next < items.length && failure === undefined) {
      const item = items[next++];
      const t0 = performance.now();
      try {
        await task(item);
      } catch (e) {
        failure ??= e instanceof Error ? e : new Error(String(e));
        return;
      }
      latenciesMs.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  if (failure !== undefined) throw failure;
  return { elapsedMs: performance.now() - start, latenciesMs };
}
