import type { LoggerService } from '@nestjs/common';
import type { Bundle, Extension, Parameters, Resource } from 'fhir/r4';
import type { SyncSettings } from '../connector-config';
import { type CursorStore, FEED_STREAM } from '../cursors/cursor-store';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { withRetry } from '../fhir/retry';
import { pushRank } from '../profiles';
import { applyPage } from './apply-page';
import { placeDocumentContent } from './document-apply';
import { applyTombstones, sortPage, type Tombstone } from './deletions/apply-tombstones';
import { type CycleHooks, describeError, hasNextLink } from './outcomes';
import { Progress, type ProgressOptions } from './progress';
import { identifierKey, identifierToken } from './references';

/**
 * Local matches remembered across the pages of one run (a cache: a forgotten one is looked up
 * again), so that a long backfill's memory stays flat; trimmed between pages, never within one.
 */
const MAX_RESOLVED = 20_000;

/** The extension carrying the cursor of a `$changes` page (see docs/sync-contract). */
export const CHANGES_CURSOR_URL = 'https://passerelle.health/fhir/StructureDefinition/changes-cursor';

export interface ApplyReport {
  /** Written to the local server (created or updated). */
  applied: number;
  /** Already held with the same content: nothing written. */
  unchanged: number;
  /** Of a type outside the receive profile. */
  notReceived: number;
  /** Without an identifier to key a conditional update by. */
  noIdentifier: number;
  /** Refused by the local server (4xx) and passed over. */
  rejected: number;
  /** Older versions of a resource whose later version came in the same page: only the latest is written. */
  superseded: number;
  /** References reduced to their display (no single local match). */
  displayOnly: number;
  /** Document contents written locally (a Binary each, before its document). */
  contentWritten: number;
  /** Local copies of records withdrawn at their source: deleted, or marked entered-in-error. */
  withdrawn: number;
  /** The feed cursor stored at the end, if any. */
  cursor?: string;
}

export interface ApplierDeps {
  agency: FhirEndpoint;
  hub: FhirEndpoint;
  cursors: CursorStore;
  sync: SyncSettings;
  logger: LoggerService;
  progress: Omit<ProgressOptions, 'logger'>;
  hooks?: CycleHooks;
}

/**
 * The changes cursor a feed page carries, if any. R4 gives Bundle no `extension` of its own, so
 * it is looked for there (as the contract puts it) and in `Bundle.meta.extension`.
 */
export function changesCursor(bundle: Bundle): string | undefined {
  const own = (bundle as Bundle & { extension?: Extension[] }).extension ?? [];
  const ext = [...own, ...(bundle.meta?.extension ?? [])].find((e) => e.url === CHANGES_CURSOR_URL);
  return typeof ext?.valueString === 'string' && ext.valueString !== '' ? ext.valueString : undefined;
}

/**
 * Reads the agency's feed at the hub (`GET /fhir/$changes?_since=`), writes the page's items into
 * the local server with conditional updates by their identifiers, a few batch requests a page
 * (see applyPage), then acknowledges the page at the hub and stores the cursor. The local cursor
 * is the source of truth for where to resume.
 */
export class FeedApplier {
  private readonly receive: ReadonlySet<string>;

  constructor(private readonly deps: ApplierDeps) {
    this.receive = new Set(deps.sync.profile.receive);
  }

  async applyOnce(signal?: AbortSignal): Promise<ApplyReport> {
    const report: ApplyReport = {
      applied: 0,
      unchanged: 0,
      notReceived: 0,
      noIdentifier: 0,
      rejected: 0,
      superseded: 0,
      displayOnly: 0,
      contentWritten: 0,
      withdrawn: 0,
    };
    if (this.receive.size === 0) return report;
    const { cursors, hub, sync } = this.deps;
    let cursor = await cursors.get(FEED_STREAM);
    report.cursor = cursor;
    // Local matches found in this run (see PageContext.resolved).
    const resolved = new Map<string, string>();
    const progress = new Progress({ ...this.deps.progress, logger: this.deps.logger }, 'apply feed');
    try {
      for (;;) {
        const params: Record<string, string | number> = { _count: sync.pageSize };
        if (cursor !== undefined) params._since = cursor;
        const bundle = (await this.retry(() => hub.operation('$changes', { get: params }), signal)) as Bundle;
        // Each record by its last entry in the page: written, or withdrawn (DELETE entries).
        const { writes: items, tombstones } = sortPage(bundle.entry ?? [], sync.deletions.apply, (r) => {
          const key = identifierKey(r);
          return key && identifierToken(key);
        });
        const placed = await placeDocumentContent(
          items,
          {
            agency: this.deps.agency,
            hub,
            maxBytes: sync.maxDocumentBytes,
            retry: (fn) => this.retry(fn, signal),
            logger: this.deps.logger,
            signal,
          },
          report,
        );
        const latest = applyOrder(placed);
        report.superseded += placed.length - latest.length;
        const context = {
          agency: this.deps.agency,
          retry: <T>(fn: () => Promise<T>) => this.retry(fn, signal),
          logger: this.deps.logger,
          resolved,
          counts: report,
        };
        let written = await applyPage(
          latest.filter((item) => this.writable(item, report)),
          context,
        );
        const withdrawn = await applyTombstones(
          tombstones.filter((t) => this.withdrawable(t, report)),
          sync.deletions.apply,
          context,
        );
        for (const t of tombstones) resolved.delete(`${t.type}|${t.token}`);
        report.withdrawn += withdrawn;
        written += withdrawn;
        progress.add(items.length + tombstones.length);
        forgetOldest(resolved, MAX_RESOLVED);
        const next = changesCursor(bundle);
        if (next === undefined || next === cursor) return report;
        await this.deps.hooks?.afterApply?.(written);
        await this.retry(() => hub.operation('$changes', { post: cursorParameters(next) }), signal);
        await cursors.set(FEED_STREAM, next);
        cursor = next;
        report.cursor = next;
        if (!hasNextLink(bundle) || (bundle.entry ?? []).length === 0 || signal?.aborted) return report;
      }
    } finally {
      const extra = [
        report.applied ? `${report.applied} written` : '',
        report.unchanged ? `${report.unchanged} already held` : '',
        report.rejected ? `${report.rejected} rejected` : '',
      ].filter(Boolean);
      progress.finish(extra.join(', '));
    }
  }

  /** Whether a feed item can be written here: of a received type, with an identifier to key it by. */
  private writable(item: Resource, report: ApplyReport): boolean {
    const type = item.resourceType;
    if (!this.receive.has(type)) {
      report.notReceived++;
      return false;
    }
    if (!identifierKey(item)) {
      report.noIdentifier++;
      this.deps.logger.warn(`feed item ${type} without an identifier not applied`, 'FeedApplier');
      return false;
    }
    return true;
  }

  /** Whether a withdrawn record can concern this agency: of a type it receives. */
  private withdrawable(tombstone: Tombstone, report: ApplyReport): boolean {
    if (this.receive.has(tombstone.type)) return true;
    report.notReceived++;
    return false;
  }

  private retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, this.deps.sync.retry, {
      signal,
      onRetry: (error, retry, delay) => {
        this.deps.logger.warn(`${describeError(error)}; retry ${retry} in ${delay} ms`, 'FeedApplier');
      },
    });
  }
}

/**
 * A page's items in the order to write them: each resource once, with its latest content (the
 * feed is oldest first) at the place of its first appearance, then types in push order. A
 * reference resolves only to what the local server holds when the item is written, so targets go
 * first: the patient's encounter before the observations made during it, results before their
 * report (applyPage writes in waves by references; this order decides within a wave and breaks
 * cycles).
 */
export function applyOrder(items: readonly Resource[]): Resource[] {
  const slots = new Map<string, number>();
  const out: Resource[] = [];
  items.forEach((item, i) => {
    const key = identifierKey(item);
    const slot = key ? `${item.resourceType}|${identifierToken(key)}` : `#${i}`;
    const at = slots.get(slot);
    if (at === undefined) {
      slots.set(slot, out.length);
      out.push(item);
    } else {
      out[at] = item;
    }
  });
  const ranked = out.map((item, i) => ({ item, i, rank: pushRank(item.resourceType) }));
  return ranked.sort((a, b) => a.rank - b.rank || a.i - b.i).map((r) => r.item);
}

/** Drops the oldest entries (insertion order) of a map past `max`, down to half of it. */
function forgetOldest(map: Map<string, string>, max: number): void {
  if (map.size <= max) return;
  for (const key of map.keys()) {
    if (map.size <= max / 2) break;
    map.delete(key);
  }
}

export function cursorParameters(cursor: string): Parameters {
  return { resourceType: 'Parameters', parameter: [{ name: 'cursor', valueString: cursor }] };
}
