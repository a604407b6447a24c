import type { LoggerService } from '@nestjs/common';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { entryError, type EntryResult, isSuccess, type Retry, sendBatch } from './apply-batch';
import { describeRefusal, isRejection, matchesOf } from './outcomes';
import {
  conditionalTargets,
  type IdentifierKey,
  identifierKey,
  identifierToken,
  localTarget,
  resolveForApply,
  sameContent,
} from './references';

/** What applying a page adds to the applier's report. */
export interface PageCounts {
  applied: number;
  unchanged: number;
  rejected: number;
  displayOnly: number;
}

export interface PageContext {
  agency: FhirEndpoint;
  retry: Retry;
  logger: LoggerService;
  /**
   * Local matches found in this run: `Type|system|value` → `Type/id`. Misses are asked again on
   * the next page, since an item applied later in the run may create the target.
   */
  resolved: Map<string, string>;
  counts: PageCounts;
}

interface Item {
  resource: Resource;
  type: string;
  token: string;
  /** `Type|token`: the key of `resolved` and of the page's lookups. */
  slot: string;
  /** Slots of the resources it references by identifier. */
  targets: string[];
}

const slotOf = (type: string, key: IdentifierKey) => `${type}|${identifierToken(key)}`;

/**
 * Writes a page's feed items (received types, keyed, each once and in apply order) into the
 * local server in a few batch requests rather than two or three requests per item:
 *
 * 1. one batch of searches, `Type?identifier=...&_count=2` for each item and each referenced
 *    target not yet resolved in this run: a target with exactly one local match resolves, none
 *    or several leave its references display-only; an item's own match is what it is compared
 *    with;
 * 2. waves of conditional updates, `PUT Type?identifier=...` in a batch: each wave holds the
 *    items none of whose targets on this page is still to be written, so that a target's local
 *    id (from its entry's `location`) is known before the items pointing at it are resolved.
 *    An item whose content equals its one local match is not sent (`unchanged`). A refusal of
 *    one entry (4xx) is counted and logged, and the others stand.
 *
 * Returns how many items the local server got a new version of.
 */
export async function applyPage(resources: readonly Resource[], ctx: PageContext): Promise<number> {
  const items = resources.map((resource): Item => {
    const key = identifierKey(resource)!;
    const slot = slotOf(resource.resourceType, key);
    const targets = conditionalTargets(resource).map((t) => slotOf(t.type, t.key));
    return { resource, type: resource.resourceType, token: identifierToken(key), slot, targets };
  });
  const existing = await lookUp(items, ctx);
  let written = 0;
  for (const wave of waves(items.filter((i) => existing.has(i.slot)))) {
    written += await writeWave(wave, existing, ctx);
  }
  return written;
}

/**
 * Items (in apply order) in waves: each wave holds the items none of whose targets among the
 * items is in a later wave or its own. Items referencing each other in a cycle: the first goes
 * alone, its references to the others resolved to what the local server already holds, as if
 * they had come one per page.
 */
export function waves<T extends { slot: string; targets: readonly string[] }>(items: readonly T[]): T[][] {
  const pending = new Map(items.map((i) => [i.slot, i]));
  const out: T[][] = [];
  while (pending.size > 0) {
    let wave = [...pending.values()].filter((i) => i.targets.every((t) => t === i.slot || !pending.has(t)));
    if (wave.length === 0) wave = [pending.values().next().value!];
    for (const item of wave) pending.delete(item.slot);
    out.push(wave);
  }
  return out;
}

/**
 * Local matches of the items (by slot) and of the targets not yet resolved, in batches of
 * searches. An item whose search the server refuses is counted as rejected and left out.
 */
async function lookUp(items: readonly Item[], ctx: PageContext): Promise<Map<string, Resource[]>> {
  const wanted = new Map<string, { type: string; token: string }>();
  for (const item of items) wanted.set(item.slot, item);
  for (const item of items) {
    for (const target of item.targets) {
      if (wanted.has(target) || ctx.resolved.has(target)) continue;
      const cut = target.indexOf('|');
      wanted.set(target, { type: target.slice(0, cut), token: target.slice(cut + 1) });
    }
  }
  const slots = [...wanted.keys()];
  const requests = [...wanted.values()].map(({ type, token }): BundleEntry => ({
    request: { method: 'GET', url: `${type}?identifier=${encodeURIComponent(token)}&_count=2` },
  }));
  const results = await sendBatch(ctx.agency, requests, ctx.retry);
  const found = new Map<string, Resource[]>();
  const own = new Set(items.map((item) => item.slot));
  results.forEach((result, i) => {
    const slot = slots[i];
    const { type } = wanted.get(slot)!;
    if (isSuccess(result)) {
      const matches = matchesOf((result.resource ?? { resourceType: 'Bundle' }) as Bundle, type);
      found.set(slot, matches);
      if (matches.length === 1 && matches[0].id) ctx.resolved.set(slot, `${type}/${matches[0].id}`);
      return;
    }
    // A type the local server cannot search: a target keeps its display, an item is passed over.
    if (!isRejection(entryError(result))) throw entryError(result, ctx.agency.baseUrl);
    if (own.has(slot)) refused(type, result, ctx);
  });
  return found;
}

/** Resolves and writes one wave; returns how many items got a new version. */
async function writeWave(
  wave: readonly Item[],
  existing: ReadonlyMap<string, Resource[]>,
  ctx: PageContext,
): Promise<number> {
  const writes: { item: Item; entry: BundleEntry }[] = [];
  for (const item of wave) {
    const { resource, displayOnly } = await resolveForApply(item.resource, (type, key) =>
      Promise.resolve(ctx.resolved.get(slotOf(type, key))),
    );
    ctx.counts.displayOnly += displayOnly;
    const held = existing.get(item.slot) ?? [];
    if (held.length === 1 && sameContent(held[0], resource)) {
      ctx.counts.unchanged++;
      continue;
    }
    const url = `${item.type}?identifier=${encodeURIComponent(item.token)}`;
    writes.push({ item, entry: { resource, request: { method: 'PUT', url } } });
  }
  if (writes.length === 0) return 0;
  const results = await sendBatch(
    ctx.agency,
    writes.map((w) => w.entry),
    ctx.retry,
  );
  let written = 0;
  results.forEach((result, i) => {
    const { item } = writes[i];
    if (isSuccess(result)) {
      const id = localIdOf(result, item.type, ctx.agency.baseUrl);
      if (id !== undefined) ctx.resolved.set(item.slot, `${item.type}/${id}`);
      ctx.counts.applied++;
      written++;
    } else if (isRejection(entryError(result))) {
      refused(item.type, result, ctx);
    } else {
      throw entryError(result, ctx.agency.baseUrl);
    }
  });
  return written;
}

/** The local id a written entry got: from its `location` (`Type/id[/_history/n]`, maybe absolute), else its resource. */
function localIdOf(result: EntryResult, type: string, baseUrl: string): string | undefined {
  const target = result.location !== undefined ? localTarget(result.location, baseUrl) : undefined;
  if (target?.type === type) return target.id;
  return result.resource?.resourceType === type ? result.resource.id : undefined;
}

function refused(type: string, result: EntryResult, ctx: PageContext): void {
  ctx.counts.rejected++;
  ctx.logger.warn(
    `local server refused ${type} from the feed: ${describeRefusal(entryError(result))}`,
    'FeedApplier',
  );
}
