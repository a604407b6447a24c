import type { LoggerService } from '@nestjs/common';
import { type ApplyReport, FeedApplier } from './applier';
import { describeError } from './outcomes';
import { DeletionPublisher } from './deletions/deletion-publisher';
import { type PullReport, Publisher } from './publisher';
import type { ApplierDeps } from './applier';

export interface SyncTotals {
  pushed: number;
  pushRejected: number;
  pushSkipped: number;
  /** Deletions at the agency withdrawn at the hub. */
  withdrawn: number;
  applied: number;
  applyUnchanged: number;
  applyRejected: number;
  applySkipped: number;
  /** Local copies of records withdrawn at their source (deleted or marked entered-in-error). */
  applyWithdrawn: number;
}

/** What `/health` reports: when each direction last completed, the last failure, counts since start. */
export interface SyncHealth {
  lastPullAt: string | null;
  lastApplyAt: string | null;
  lastError: { at: string; stage: 'pull' | 'apply'; message: string } | null;
  totals: SyncTotals;
}

/** Last successes and failures, kept in memory for the health endpoint and the loop's logs. */
export class SyncStatus {
  lastPullAt?: Date;
  lastApplyAt?: Date;
  lastError?: { at: Date; stage: 'pull' | 'apply'; message: string };
  readonly totals: SyncTotals = {
    pushed: 0,
    pushRejected: 0,
    pushSkipped: 0,
    withdrawn: 0,
    applied: 0,
    applyUnchanged: 0,
    applyRejected: 0,
    applySkipped: 0,
    applyWithdrawn: 0,
  };

  snapshot(): SyncHealth {
    return {
      lastPullAt: this.lastPullAt?.toISOString() ?? null,
      lastApplyAt: this.lastApplyAt?.toISOString() ?? null,
      lastError: this.lastError
        ? {
            at: this.lastError.at.toISOString(),
            stage: this.lastError.stage,
            message: this.lastError.message,
          }
        : null,
      totals: { ...this.totals },
    };
  }
}

export type SyncCycleDeps = ApplierDeps;

/**
 * One sync cycle, callable from the loop, from tests in-process, or from a one-shot command:
 * `pullOnce()` pushes what changed at the agency to the hub, `applyOnce()` writes the agency's
 * hub feed into its server. Each records its outcome in `status` and rethrows failures; a
 * failure leaves every cursor where the last accepted work put it.
 */
export class SyncCycle {
  readonly status = new SyncStatus();
  private readonly publisher: Publisher;
  private readonly deletions: DeletionPublisher;
  private readonly applier: FeedApplier;
  private readonly logger: LoggerService;
  private readonly bases: { agency: string; hub: string };

  constructor(deps: SyncCycleDeps) {
    this.publisher = new Publisher(deps);
    this.deletions = new DeletionPublisher(deps);
    this.applier = new FeedApplier(deps);
    this.logger = deps.logger;
    this.bases = { agency: deps.agency.baseUrl, hub: deps.hub.baseUrl };
  }

  async pullOnce(signal?: AbortSignal): Promise<PullReport> {
    try {
      // Deletions first, then changes: a record deleted then sent again ends live at the hub.
      for (const r of Object.values(await this.deletions.pushOnce(signal)))
        this.status.totals.withdrawn += r.withdrawn;
      const report = await this.publisher.pullOnce(signal);
      for (const r of Object.values(report.byType)) {
        this.status.totals.pushed += r.accepted;
        this.status.totals.pushRejected += r.rejected;
        this.status.totals.pushSkipped += r.noIdentifier;
      }
      if (!signal?.aborted) this.status.lastPullAt = new Date();
      return report;
    } catch (e) {
      this.failed('pull', e);
      throw e;
    }
  }

  async applyOnce(signal?: AbortSignal): Promise<ApplyReport> {
    try {
      const report = await this.applier.applyOnce(signal);
      this.status.totals.applied += report.applied;
      this.status.totals.applyUnchanged += report.unchanged;
      this.status.totals.applyRejected += report.rejected;
      this.status.totals.applySkipped += report.noIdentifier + report.notReceived;
      this.status.totals.applyWithdrawn += report.withdrawn;
      if (!signal?.aborted) this.status.lastApplyAt = new Date();
      return report;
    } catch (e) {
      this.failed('apply', e);
      throw e;
    }
  }

  private failed(stage: 'pull' | 'apply', error: unknown): void {
    // Which server failed, by the request's origin (never its URL: queries carry identifiers).
    const url = (error as { config?: { url?: unknown } } | undefined)?.config?.url;
    const server =
      typeof url !== 'string'
        ? ''
        : url.startsWith(this.bases.agency)
          ? 'agency server: '
          : url.startsWith(this.bases.hub)
            ? 'hub: '
            : '';
    const message = `${server}${describeError(error)}`;
    this.status.lastError = { at: new Date(), stage, message };
    this.logger.error(`${stage} failed: ${message}; cursors kept, next cycle resumes from them`, 'SyncCycle');
  }
}
