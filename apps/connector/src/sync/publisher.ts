import { randomUUID } from 'node:crypto';
import type { LoggerService } from '@nestjs/common';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import type { SyncSettings } from '../connector-config';
import { type CursorStore, pullStream } from '../cursors/cursor-store';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { withRetry } from '../fhir/retry';
import {
  type CycleHooks,
  describeError,
  describeRefusal,
  hasNextLink,
  isRejection,
  isUnresolvedReference,
  matchesOf,
} from './outcomes';
import { Progress, type ProgressOptions } from './progress';
import { cursorAfterPage, instantMs, isComplete, nextStep } from './pull-cursor';
import { ContentRefused } from '../fhir/content-fetch';
import { DocumentContent, OverBudget } from './document-content';
import { identifierKey, identifierToken, rewriteForPush } from './references';
import { TargetIdentifiers } from './target-identifiers';

export interface TypePushReport {
  /** Resources the hub accepted (new versions or unchanged). */
  accepted: number;
  /** Skipped: no identifier to key a conditional update by. */
  noIdentifier: number;
  /** Refused by the hub (4xx) and passed over. */
  rejected: number;
  /** References reduced to their display (target not published or without identifier). */
  displayOnly: number;
  /** Documents refused because of their content (too large, hash mismatch, unreadable); counted in `rejected` too. */
  contentRefused: number;
}

export interface PullReport {
  byType: Record<string, TypePushReport>;
  /** Passes over the publish types: more than one when a reference pointed at a resource not pushed yet. */
  rounds: number;
}

export interface PublisherDeps {
  agency: FhirEndpoint;
  hub: FhirEndpoint;
  cursors: CursorStore;
  sync: SyncSettings;
  logger: LoggerService;
  progress: Omit<ProgressOptions, 'logger'>;
  hooks?: CycleHooks;
}

/** Rounds per cycle: a reference to a resource created mid-cycle is retried in the next round. */
const MAX_ROUNDS = 3;
/** A page every resource of which shares one instant, with no next link, is fetched bigger up to this. */
const MAX_WIDENED_PAGE = 5000;

const emptyReport = (): TypePushReport => ({
  accepted: 0,
  noIdentifier: 0,
  rejected: 0,
  displayOnly: 0,
  contentRefused: 0,
});
const seenKey = (r: Resource) => `${r.id ?? ''}@${r.meta?.lastUpdated ?? ''}`;

/**
 * Pull from the agency's server and push to the hub, type by type in push order:
 * `_lastUpdated=gt<cursor>&_sort=_lastUpdated`, each page pushed as one transaction of
 * conditional updates, the type's cursor stored once the hub has accepted the page.
 */
export class Publisher {
  private readonly published: ReadonlySet<string>;

  constructor(private readonly deps: PublisherDeps) {
    this.published = new Set(deps.sync.profile.publish);
  }

  async pullOnce(signal?: AbortSignal): Promise<PullReport> {
    const report: PullReport = { byType: {}, rounds: 0 };
    const targets = new TargetIdentifiers(this.deps.agency, (fn) => this.retry(fn, signal));
    for (let round = 1; round <= MAX_ROUNDS; round++) {
      report.rounds = round;
      let deferred = false;
      for (const type of this.deps.sync.profile.publish) {
        if (signal?.aborted) return report;
        const typeReport = (report.byType[type] ??= emptyReport());
        deferred = (await this.pass(type, typeReport, targets, round === MAX_ROUNDS, signal)) || deferred;
      }
      if (!deferred) break;
    }
    return report;
  }

  /** One type, from its cursor to the end. Returns true when it stopped at a reference to push later. */
  private async pass(
    type: string,
    report: TypePushReport,
    targets: TargetIdentifiers,
    finalRound: boolean,
    signal?: AbortSignal,
  ): Promise<boolean> {
    const { agency, cursors, sync } = this.deps;
    const stream = pullStream(type);
    let cursor = await cursors.get(stream);
    // Pushed in this pass, for pages that come round again (a widened or re-run query); only those
    // at or after the cursor can, so the rest is forgotten as it moves: flat however long the backfill.
    const seen = new Map<string, number>();
    const progress = new Progress({ ...this.deps.progress, logger: this.deps.logger }, `push ${type}`);
    const query = (count: number, first = false) => {
      const params: Record<string, string | number> = { _sort: '_lastUpdated', _count: count };
      if (cursor !== undefined) params._lastUpdated = `gt${cursor}`;
      if (first) params._total = 'accurate';
      return this.retry(() => agency.search(type, params), signal);
    };
    let count = sync.pageSize;
    let bundle: Bundle = await query(count, true);
    progress.setTotal(bundle.total);
    let deferred = false;
    try {
      for (;;) {
        const page = matchesOf(bundle, type);
        const fresh = page.filter((r) => !seen.has(seenKey(r)));
        const pushed = await this.push(type, fresh, report, targets, finalRound, signal);
        fresh.slice(0, pushed.done).forEach((r) => seen.set(seenKey(r), instantMs(r.meta?.lastUpdated)));
        progress.add(pushed.done);
        const complete =
          pushed.deferredAt === undefined &&
          isComplete({ size: page.length, requested: count, hasNextLink: hasNextLink(bundle) });
        // Stopped at a deferred resource: the cursor may pass only what comes before it.
        const upTo =
          pushed.deferredAt === undefined ? page : page.slice(0, page.indexOf(fresh[pushed.deferredAt]) + 1);
        const next = cursorAfterPage(
          cursor,
          upTo.map((r) => r.meta?.lastUpdated ?? ''),
          complete,
        );
        const moved = next !== cursor;
        if (moved && next !== undefined) {
          await this.deps.hooks?.afterPush?.(type, pushed.done);
          await cursors.set(stream, next);
          cursor = next;
          const at = instantMs(next);
          for (const [key, updated] of seen) if (updated < at) seen.delete(key);
        }
        if (pushed.deferredAt !== undefined) {
          deferred = true;
          return true;
        }
        if (signal?.aborted) return false;
        const step = nextStep({
          size: page.length,
          requested: count,
          hasNextLink: hasNextLink(bundle),
          progressed: moved,
        });
        switch (step) {
          case 'done':
            return false;
          case 'requery':
            count = sync.pageSize;
            bundle = await query(count);
            break;
          case 'follow': {
            const current = bundle;
            bundle = (await this.retry(() => agency.nextPage(current), signal)) ?? {
              resourceType: 'Bundle',
              type: 'searchset',
            };
            break;
          }
          case 'widen':
            if (count >= MAX_WIDENED_PAGE) {
              this.deps.logger.warn(
                `${type}: more than ${count} resources share one lastUpdated and the server gives no next link; resuming next cycle`,
                'Publisher',
              );
              return false;
            }
            count = Math.min(MAX_WIDENED_PAGE, count * 2);
            bundle = await query(count);
            break;
        }
      }
    } finally {
      const extra = [
        report.noIdentifier ? `${report.noIdentifier} without identifier` : '',
        report.rejected ? `${report.rejected} rejected` : '',
        deferred ? 'waiting for a referenced resource' : '',
      ].filter(Boolean);
      progress.finish(extra.join(', '));
    }
  }

  /**
   * Pushes fresh resources as one transaction; when the hub refuses it, one by one to find the
   * culprits. `done`: how many of `fresh` are settled (accepted, skipped or rejected);
   * `deferredAt`: the index where a reference to a not-yet-pushed resource stopped the page.
   */
  private async push(
    type: string,
    fresh: Resource[],
    report: TypePushReport,
    targets: TargetIdentifiers,
    finalRound: boolean,
    signal?: AbortSignal,
  ): Promise<{ done: number; deferredAt?: number }> {
    if (fresh.length === 0) return { done: 0 };
    const base = this.deps.agency.baseUrl;
    const started = Date.now();
    await targets.prefetch(fresh, base);
    const prefetched = Date.now();
    const entries: (BundleEntry | undefined)[] = [];
    for (const resource of fresh) {
      const key = identifierKey(resource);
      if (!key) {
        entries.push(undefined);
        continue;
      }
      const { resource: rewritten, displayOnly } = await rewriteForPush(resource, {
        baseUrl: base,
        published: this.published,
        identifiersOf: (t, id) => targets.get(t, id),
      });
      report.displayOnly += displayOnly;
      entries.push({
        fullUrl: `urn:uuid:${randomUUID()}`,
        resource: rewritten,
        request: { method: 'PUT', url: `${type}?identifier=${encodeURIComponent(identifierToken(key))}` },
      });
    }
    const skipped = entries.filter((e) => e === undefined).length;
    if (skipped > 0) {
      report.noIdentifier += skipped;
      this.deps.logger.warn(
        `${type}: ${skipped} resource(s) without an identifier (system and value) not pushed`,
        'Publisher',
      );
    }
    // Documents with content at the agency go after the rest, with their content (pushDocuments).
    const content = this.documentContent(signal);
    const withContent = new Set(fresh.flatMap((r, i) => (entries[i] && content.wanted(r) ? [i] : [])));
    const sendable = entries.filter((e, i): e is BundleEntry => e !== undefined && !withContent.has(i));
    let together = sendable.length === 0;
    if (!together) {
      try {
        await this.send(sendable, signal);
        report.accepted += sendable.length;
        together = true;
        // Where a page's time goes (targets read at the agency, transaction at the hub), for tuning.
        this.deps.logger.debug?.(
          `${type}: ${sendable.length} pushed; targets ${prefetched - started} ms, hub ${Date.now() - prefetched} ms`,
          'Publisher',
        );
      } catch (e) {
        if (!isRejection(e)) throw e;
      }
    }
    if (together && withContent.size === 0) return { done: fresh.length };
    if (together)
      return this.pushDocuments(type, fresh, entries, [...withContent], content, report, finalRound, signal);
    // The transaction was refused as a whole: each resource withContent, to find which the hub refuses.
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      if (!entry) continue;
      let sent: BundleEntry[];
      try {
        sent = withContent.has(i) ? (await content.entries(entry)).entries : [entry];
      } catch (e) {
        if (!(e instanceof ContentRefused)) throw e;
        this.contentRefused(type, fresh[i], e, report);
        continue;
      }
      if (!(await this.sendAlone(type, fresh[i], sent, report, finalRound, signal)))
        return { done: i, deferredAt: i };
    }
    return { done: fresh.length };
  }

  /**
   * The documents of a page whose content is at the agency (`indexes` into `fresh`), each with its
   * content, in transactions of as many as fit DOCUMENT_MAX_BYTES of content together (so no more
   * is held, and no larger body sent, than for the largest single document), not one each; a
   * transaction refused as a whole is sent again document by document.
   */
  private async pushDocuments(
    type: string,
    fresh: Resource[],
    entries: readonly (BundleEntry | undefined)[],
    indexes: readonly number[],
    content: DocumentContent,
    report: TypePushReport,
    finalRound: boolean,
    signal?: AbortSignal,
  ): Promise<{ done: number; deferredAt?: number }> {
    const budget = this.deps.sync.maxDocumentBytes;
    let group: { i: number; entries: BundleEntry[] }[] = [];
    let held = 0;
    /** Sends the group; returns the index of a document deferred for a reference pushed later. */
    const flush = async (): Promise<number | undefined> => {
      const sent = group;
      group = [];
      held = 0;
      if (sent.length > 1) {
        try {
          await this.send(
            sent.flatMap((d) => d.entries),
            signal,
          );
          report.accepted += sent.length;
          return undefined;
        } catch (e) {
          if (!isRejection(e)) throw e;
        }
      }
      for (const d of sent)
        if (!(await this.sendAlone(type, fresh[d.i], d.entries, report, finalRound, signal))) return d.i;
      return undefined;
    };
    for (const i of indexes) {
      let document: { entries: BundleEntry[]; bytes: number };
      try {
        try {
          document = await content.entries(entries[i]!, group.length > 0 ? budget - held : Infinity);
        } catch (e) {
          if (!(e instanceof OverBudget)) throw e;
          const deferred = await flush();
          if (deferred !== undefined) return { done: deferred, deferredAt: deferred };
          document = await content.entries(entries[i]!);
        }
      } catch (e) {
        if (!(e instanceof ContentRefused)) throw e;
        this.contentRefused(type, fresh[i], e, report);
        continue;
      }
      group.push({ i, entries: document.entries });
      held += document.bytes;
    }
    const deferred = await flush();
    return deferred !== undefined ? { done: deferred, deferredAt: deferred } : { done: fresh.length };
  }

  /**
   * One resource's transaction (a document with its content): accepted, or refused and passed
   * over (counted, logged). False when it waits for a reference to a resource pushed later.
   */
  private async sendAlone(
    type: string,
    resource: Resource,
    entries: BundleEntry[],
    report: TypePushReport,
    finalRound: boolean,
    signal?: AbortSignal,
  ): Promise<boolean> {
    try {
      await this.send(entries, signal);
      report.accepted++;
    } catch (e) {
      if (!isRejection(e)) throw e;
      if (isUnresolvedReference(e) && !finalRound) return false;
      report.rejected++;
      this.deps.logger.warn(`hub refused ${type}/${resource.id ?? '?'}: ${describeRefusal(e)}`, 'Publisher');
    }
    return true;
  }

  private contentRefused(type: string, resource: Resource, e: ContentRefused, report: TypePushReport): void {
    report.rejected++;
    report.contentRefused++;
    this.deps.logger.warn(`${type}/${resource.id ?? '?'} not pushed: ${e.message}`, 'Publisher');
  }

  private documentContent(signal?: AbortSignal): DocumentContent {
    return new DocumentContent({
      agency: this.deps.agency,
      maxBytes: this.deps.sync.maxDocumentBytes,
      retry: (fn) => this.retry(fn, signal),
      signal,
    });
  }

  private send(entry: BundleEntry[], signal?: AbortSignal): Promise<Bundle> {
    const bundle: Bundle = { resourceType: 'Bundle', type: 'transaction', entry };
    return this.retry(() => this.deps.hub.transaction(bundle), signal);
  }

  private retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, this.deps.sync.retry, {
      signal,
      onRetry: (error, retry, delay) => {
        this.deps.logger.warn(`${describeError(error)}; retry ${retry} in ${delay} ms`, 'Publisher');
      },
    });
  }
}
