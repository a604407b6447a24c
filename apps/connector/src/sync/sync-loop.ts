import type { LoggerService } from '@nestjs/common';
import { sleep } from '../fhir/retry';
import type { SyncCycle } from './sync-cycle';

/**
 * Runs the cycle every poll interval: pull and push, then apply the feed. `stop()` (SIGTERM)
 * lets the page in hand finish and its cursor be stored, skips the rest, and resolves when the
 * loop has ended; a backoff wait is cut short.
 */
export class SyncLoop {
  private controller?: AbortController;
  private running?: Promise<void>;

  constructor(
    private readonly cycle: Pick<SyncCycle, 'pullOnce' | 'applyOnce'>,
    private readonly pollIntervalMs: number,
    private readonly logger: LoggerService,
  ) {}

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (this.running) return;
    const controller = new AbortController();
    this.controller = controller;
    this.running = this.run(controller.signal).finally(() => {
      this.running = undefined;
    });
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      // A failed direction is logged by the cycle; the other still runs and the loop goes on.
      await this.cycle.pullOnce(signal).catch(() => undefined);
      if (signal.aborted) break;
      await this.cycle.applyOnce(signal).catch(() => undefined);
      await sleep(this.pollIntervalMs, signal);
    }
    this.logger.log('sync loop stopped; cursors are stored', 'SyncLoop');
  }
}
