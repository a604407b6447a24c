/**
 * One place that undoes what a benchmark set up (child processes, databases), whether it ends
 * normally, throws, or is interrupted: a half-finished run must not leave a hub or a database behind.
 */
type Step = () => Promise<void> | void;

const steps: Step[] = [];
let running: Promise<void> | undefined;

/** Registers an undo step; steps run newest first (a hub stops before its database is dropped). */
export function onCleanup(step: Step): void {
  steps.push(step);
}

/** Runs every registered step once, even if some fail; failures are printed, not thrown. */
export function cleanup(): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step();
      } catch (e) {
        console.error('bench cleanup failed:', e instanceof Error ? e.message : e);
      }
    }
  })();
  return running;
}

/**
 * Runs a benchmark's main: cleanup in every case, exit code 1 on failure, and Ctrl-C (or a
 * SIGTERM from CI) cleans up before exiting instead of orphaning the hub child.
 */
export function runBench(main: () => Promise<void>): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
  main()
    .catch((e: unknown) => {
      console.error('BENCHMARK FAILED:', e instanceof Error ? (e.stack ?? e.message) : e);
      process.exitCode = 1;
    })
    .finally(() => cleanup());
}
