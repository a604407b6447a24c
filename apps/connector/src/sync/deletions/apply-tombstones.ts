import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import { entryError, type EntryResult, isSuccess } from '../apply-batch';
import { sendBatch } from '../apply-batch';
import type { PageContext } from '../apply-page';
import { describeRefusal, isRejection, matchesOf } from '../outcomes';
import type { DeletionApplication } from './deletion-settings';
import { isEnteredInError, markedEnteredInError } from './entered-in-error';

/** A record another agency withdrew: its type and identifier token (`system|value`). */
export interface Tombstone {
  type: string;
  token: string;
}

/** The tombstone a `$changes` DELETE entry carries (`Type?identifier=system|value`). */
export function tombstoneOf(entry: BundleEntry): Tombstone | undefined {
  if (entry.request?.method !== 'DELETE') return undefined;
  const match = /^([A-Z][A-Za-z]+)\?identifier=(.+)$/.exec(entry.request.url);
  if (!match) return undefined;
  try {
    return { type: match[1], token: decodeURIComponent(match[2]) };
  } catch {
    return undefined;
  }
}

/**
 * Withdraws local copies as the agency's profile says (`DELETIONS_APPLY`): `delete` sends one
 * batch of conditional deletes (`DELETE Type?identifier=...`); `entered-in-error` finds each copy
 * (one batch of searches) and writes it back marked entered-in-error, or deletes it where its
 * type has no such state. No copy: nothing to do; several: refused, counted, logged. Returns how
 * many copies were withdrawn.
 */
export async function applyTombstones(
  tombstones: readonly Tombstone[],
  mode: DeletionApplication,
  ctx: PageContext,
): Promise<number> {
  if (tombstones.length === 0) return 0;
  const url = (t: Tombstone) => `${t.type}?identifier=${encodeURIComponent(t.token)}`;
  const deletes: Tombstone[] = [];
  const marks: { tombstone: Tombstone; entry: BundleEntry }[] = [];
  if (mode === 'delete') deletes.push(...tombstones);
  else {
    const found = await sendBatch(
      ctx.agency,
      tombstones.map((t): BundleEntry => ({ request: { method: 'GET', url: `${url(t)}&_count=2` } })),
      ctx.retry,
    );
    found.forEach((result, i) => {
      const tombstone = tombstones[i];
      if (!isSuccess(result)) return settle(tombstone.type, result, ctx);
      const copies = matchesOf((result.resource ?? { resourceType: 'Bundle' }) as Bundle, tombstone.type);
      if (copies.length > 1) {
        ctx.counts.rejected++;
        ctx.logger.warn(
          `${tombstone.type}: several local copies of a withdrawn record; none changed`,
          'FeedApplier',
        );
        return;
      }
      const copy = copies[0];
      if (copy === undefined) return;
      if (isEnteredInError(copy)) return void ctx.counts.unchanged++;
      const marked = markedEnteredInError(copy);
      if (marked === undefined) deletes.push(tombstone);
      else marks.push({ tombstone, entry: markEntry(marked) });
    });
  }
  const sent = [
    ...marks.map((m) => ({ type: m.tombstone.type, entry: m.entry })),
    ...deletes.map((t) => ({ type: t.type, entry: { request: { method: 'DELETE' as const, url: url(t) } } })),
  ];
  if (sent.length === 0) return 0;
  const results = await sendBatch(
    ctx.agency,
    sent.map((s) => s.entry),
    ctx.retry,
  );
  let withdrawn = 0;
  results.forEach((result, i) => {
    if (isSuccess(result)) withdrawn++;
    else settle(sent[i].type, result, ctx);
  });
  return withdrawn;
}

/** The copy written back by its local id, unless a newer version was written meanwhile (If-Match). */
function markEntry(marked: Resource): BundleEntry {
  const version = marked.meta?.versionId;
  return {
    resource: marked,
    request: {
      method: 'PUT',
      url: `${marked.resourceType}/${marked.id ?? ''}`,
      ...(version !== undefined ? { ifMatch: `W/"${version}"` } : {}),
    },
  };
}

/** A refusal is counted and logged, and the rest stands; anything else stops the cycle. */
function settle(type: string, result: EntryResult, ctx: PageContext): void {
  const error = entryError(result, ctx.agency.baseUrl);
  if (!isRejection(error)) throw error;
  ctx.counts.rejected++;
  ctx.logger.warn(`local server refused withdrawing a ${type}: ${describeRefusal(error)}`, 'FeedApplier');
}

/**
 * A feed page's entries sorted into what to write and what to withdraw, each record by its last
 * entry in the page (feed order): a record updated then withdrawn is withdrawn, and one withdrawn
 * then sent again is written. With `delete`, a record received with status entered-in-error is
 * withdrawn too (the agency keeps no records in error); with `entered-in-error` it is written as
 * it came.
 */
export function sortPage(
  entries: readonly BundleEntry[],
  mode: DeletionApplication,
  keyOf: (resource: Resource) => string | undefined,
): { writes: Resource[]; tombstones: Tombstone[] } {
  const last = new Map<string, number>();
  const slots = entries.map((entry, i): { slot: string; tombstone?: Tombstone } | undefined => {
    const tombstone = tombstoneOf(entry);
    if (tombstone !== undefined) return { slot: `${tombstone.type}|${tombstone.token}`, tombstone };
    const resource = entry.resource;
    if (resource === undefined || (entry.request?.method ?? 'PUT') !== 'PUT') return undefined;
    const token = keyOf(resource);
    const slot = token === undefined ? `#${i}` : `${resource.resourceType}|${token}`;
    if (mode === 'delete' && token !== undefined && isEnteredInError(resource))
      return { slot, tombstone: { type: resource.resourceType, token } };
    return { slot };
  });
  slots.forEach((s, i) => s && last.set(s.slot, i));
  const writes: Resource[] = [];
  const tombstones: Tombstone[] = [];
  slots.forEach((s, i) => {
    if (s === undefined) return;
    if (last.get(s.slot) !== i) {
      // An earlier write of a record whose last entry is a write too: kept in order (the applier
      // writes the latest content); dropped when the last entry withdraws the record.
      if (!s.tombstone && !slots[last.get(s.slot)!]?.tombstone) writes.push(entries[i].resource!);
      return;
    }
    if (s.tombstone) tombstones.push(s.tombstone);
    else writes.push(entries[i].resource!);
  });
  return { writes, tombstones };
}
