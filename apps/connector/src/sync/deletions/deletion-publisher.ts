import type { LoggerService } from '@nestjs/common';
import type { Bundle, BundleEntry } from 'fhir/r4';
import type { SyncSettings } from '../../connector-config';
import type { CursorStore } from '../../cursors/cursor-store';
import type { FhirEndpoint } from '../../fhir/fhir-endpoint';
import { httpStatusOf, withRetry } from '../../fhir/retry';
import { type CycleHooks, describeError, describeRefusal, isRejection, matchesOf } from '../outcomes';
import { type IdentifierKey, identifierKey, identifierToken, localTarget } from '../references';
import { Reconciliation } from './reconciliation';

export interface TypeDeletionReport {
  /** Deletions the hub took (withdrawn there, or already absent). */
  withdrawn: number;
  /** Deleted locally, but a live resource holds the identifier again: the live one stands. */
  stillHeld: number;
  /** Deleted resources whose identifier the server no longer tells (no readable earlier version). */
  unknown: number;
  /** Refused by the hub (e.g. several of the agency's resources share the identifier). */
  rejected: number;
}

export interface DeletionPublisherDeps {
  agency: FhirEndpoint;
  hub: FhirEndpoint;
  cursors: CursorStore;
  sync: SyncSettings;
  logger: LoggerService;
  hooks?: CycleHooks;
}

/** The cursor of a type's history: the server's instant of the latest write read. */
export const deletionStream = (type: string): string => `deletions:${type}`;

/** Statuses by which a server says it has no type history. */
const NO_HISTORY = new Set([400, 404, 405, 501]);

const empty = (): TypeDeletionReport => ({ withdrawn: 0, stillHeld: 0, unknown: 0, rejected: 0 });

interface Deletion {
  id: string;
  /** `id@instant`: the same history entry read again at the cursor's instant is skipped. */
  seen: string;
}

/**
 * Finds what the agency deleted and withdraws it at the hub, type by type:
 *
 * 1. `GET {type}/_history?_since=<cursor>` (inclusive), following next links: DELETE entries name
 *    the deleted resources (`Type/id`); the cursor goes to the latest instant read;
 * 2. each deleted resource's identifier from its earlier versions (`{type}/{id}/_history`);
 * 3. an identifier a live resource of the agency holds again is left alone (deleted, then sent
 *    again: the live one is pushed as a change), so the agency's latest state wins;
 * 4. the rest as one transaction of conditional deletes, `DELETE {type}?identifier=s|v`, which
 *    the hub runs on the agency's own resources only; the cursor is stored once the hub took it.
 *
 * A crash between 4 and the cursor repeats the deletions: deleting what is gone changes nothing.
 * The first look only places the cursor at the server's latest write: what was deleted before
 * the connector first ran is not looked for. A type whose history the server refuses (4xx), or
 * every type with DELETIONS_DETECT=reconcile, is reconciled instead (see Reconciliation): the
 * same steps 3 and 4 for the ids gone since the last inventory.
 */
export class DeletionPublisher {
  private readonly noHistory = new Set<string>();
  /** Types whose deletions the hub refused for want of the `d` scope: left for a restart with it. */
  private readonly notAllowed = new Set<string>();
  /** Entries read at each type's cursor instant, which the next (inclusive) look reads again. */
  private readonly atCursor = new Map<string, Set<string>>();
  private readonly reconciliation: Reconciliation;

  constructor(private readonly deps: DeletionPublisherDeps) {
    this.reconciliation = new Reconciliation(
      deps.agency,
      deps.cursors,
      deps.sync.deletions.reconcileIntervalMs,
      (fn) => this.retry(fn),
    );
  }

  async pushOnce(signal?: AbortSignal): Promise<Record<string, TypeDeletionReport>> {
    const report: Record<string, TypeDeletionReport> = {};
    if (this.deps.sync.deletions.detect === 'off') return report;
    for (const type of this.deps.sync.profile.publish) {
      if (signal?.aborted) break;
      if (this.notAllowed.has(type)) continue;
      try {
        if (this.deps.sync.deletions.detect === 'reconcile' || this.noHistory.has(type))
          await this.reconcile(type, (report[type] = empty()), signal);
        else await this.pass(type, (report[type] = empty()), signal);
      } catch (e) {
        if (!(e instanceof DeletionsNotAllowed)) throw e;
        // Changes still flow; the type's deletions wait, cursor kept, for the scope to be granted.
        this.notAllowed.add(type);
        this.deps.logger.warn(
          `${type}: the hub refused deletions (403); is the agency registered with system/${type}.d? Its deletions wait until the connector restarts with it`,
          'DeletionPublisher',
        );
      }
    }
    return report;
  }

  private async pass(type: string, report: TypeDeletionReport, signal?: AbortSignal): Promise<void> {
    const { cursors, agency } = this.deps;
    const stream = deletionStream(type);
    const cursor = await cursors.get(stream);
    let entries: BundleEntry[];
    try {
      entries = await this.history(type, cursor, signal);
    } catch (e) {
      const status = httpStatusOf(e);
      if (status === undefined || !NO_HISTORY.has(status)) throw e;
      this.noHistory.add(type);
      this.deps.logger.warn(
        `${type}: the agency's server has no type history (${status}); deletions found by reconciliation instead, every ${this.deps.sync.deletions.reconcileIntervalMs} ms`,
        'DeletionPublisher',
      );
      return this.reconcile(type, report, signal);
    }
    const latest = latestInstant(entries);
    if (cursor === undefined) {
      // First look: from now on. An empty history starts from the beginning of time.
      await cursors.set(stream, latest ?? new Date(0).toISOString());
      return;
    }
    const seen = this.atCursor.get(type) ?? new Set<string>();
    const deletions = deletionsIn(entries, type, agency.baseUrl).filter((d) => !seen.has(d.seen));
    const keys = await this.identifiers(type, deletions, report, signal);
    const live = await this.stillHeld(type, keys, signal);
    report.stillHeld += live.size;
    const withdraw = [...keys.values()].filter((k) => !live.has(identifierToken(k)));
    await this.withdraw(type, withdraw, report, signal);
    await this.deps.hooks?.afterWithdraw?.(type, report.withdrawn);
    const next = latest !== undefined && latest > cursor ? latest : cursor;
    this.atCursor.set(
      type,
      new Set(
        [
          ...(next === cursor ? seen : []),
          ...deletionsIn(entries, type, agency.baseUrl).map((d) => d.seen),
        ].filter((s) => s.endsWith(`@${next}`)),
      ),
    );
    if (next !== cursor) await cursors.set(stream, next);
  }

  /** Deletions found by comparing the type's ids with the last inventory, when it is due. */
  private async reconcile(type: string, report: TypeDeletionReport, signal?: AbortSignal): Promise<void> {
    if (!(await this.reconciliation.due(type))) return;
    const { gone, commit } = await this.reconciliation.deletions(type);
    const keys = new Map(gone.map((k) => [identifierToken(k), k]));
    const live = await this.stillHeld(type, keys, signal);
    report.stillHeld += live.size;
    await this.withdraw(
      type,
      [...keys.values()].filter((k) => !live.has(identifierToken(k))),
      report,
      signal,
    );
    await this.deps.hooks?.afterWithdraw?.(type, report.withdrawn);
    await commit();
  }

  /** Every history entry since `cursor` (the newest only, on a first look). */
  private async history(type: string, cursor: string | undefined, signal?: AbortSignal) {
    const { agency } = this.deps;
    const params: Record<string, string | number> =
      cursor === undefined ? { _count: 1 } : { _since: cursor, _count: this.deps.sync.pageSize };
    let bundle: Bundle | undefined = await this.retry(() => agency.typeHistory(type, params), signal);
    const entries: BundleEntry[] = [];
    while (bundle !== undefined) {
      entries.push(...(bundle.entry ?? []));
      if (cursor === undefined || signal?.aborted) break;
      const current: Bundle = bundle;
      bundle = await this.retry(() => agency.nextPage(current), signal);
    }
    return entries;
  }

  /** Each deleted resource's identifier key, from its latest readable version, by `Type|token`. */
  private async identifiers(
    type: string,
    deletions: readonly Deletion[],
    report: TypeDeletionReport,
    signal?: AbortSignal,
  ): Promise<Map<string, IdentifierKey>> {
    const keys = new Map<string, IdentifierKey>();
    for (const { id } of new Map(deletions.map((d) => [d.id, d])).values()) {
      let versions: Bundle;
      try {
        versions = await this.retry(() => this.deps.agency.instanceHistory(type, id), signal);
      } catch (e) {
        if (!isRejection(e) && httpStatusOf(e) !== 404 && httpStatusOf(e) !== 410) throw e;
        report.unknown++;
        continue;
      }
      const last = (versions.entry ?? []).find((e) => e.resource?.resourceType === type)?.resource;
      const key = last ? identifierKey(last) : undefined;
      if (key) keys.set(identifierToken(key), key);
      else report.unknown++;
    }
    if (report.unknown > 0)
      this.deps.logger.warn(
        `${type}: ${report.unknown} deleted resource(s) whose identifier the server no longer tells; not withdrawn`,
        'DeletionPublisher',
      );
    return keys;
  }

  /** The tokens among `keys` that a live resource of the agency holds again. */
  private async stillHeld(type: string, keys: Map<string, IdentifierKey>, signal?: AbortSignal) {
    const live = new Set<string>();
    for (const token of keys.keys()) {
      const bundle = await this.retry(
        () => this.deps.agency.search(type, { identifier: token, _count: 1 }),
        signal,
      );
      if (matchesOf(bundle, type).length > 0) live.add(token);
    }
    return live;
  }

  /** Conditional deletes at the hub, as one transaction; refused as a whole, one by one to find the culprit. */
  private async withdraw(
    type: string,
    keys: readonly IdentifierKey[],
    report: TypeDeletionReport,
    signal?: AbortSignal,
  ): Promise<void> {
    if (keys.length === 0) return;
    const entries = keys.map((key): BundleEntry => ({
      request: { method: 'DELETE', url: `${type}?identifier=${encodeURIComponent(identifierToken(key))}` },
    }));
    try {
      await this.send(entries, signal);
      report.withdrawn += entries.length;
      return;
    } catch (e) {
      if (httpStatusOf(e) === 403) throw new DeletionsNotAllowed(type);
      if (!isRejection(e)) throw e;
    }
    for (const entry of entries) {
      try {
        await this.send([entry], signal);
        report.withdrawn++;
      } catch (e) {
        if (!isRejection(e)) throw e;
        report.rejected++;
        this.deps.logger.warn(
          `hub refused the deletion of a ${type}: ${describeRefusal(e)}`,
          'DeletionPublisher',
        );
      }
    }
  }

  private send(entry: BundleEntry[], signal?: AbortSignal): Promise<Bundle> {
    return this.retry(
      () => this.deps.hub.transaction({ resourceType: 'Bundle', type: 'transaction', entry }),
      signal,
    );
  }

  private retry<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return withRetry(fn, this.deps.sync.retry, {
      signal,
      onRetry: (error, retry, delay) => {
        this.deps.logger.warn(`${describeError(error)}; retry ${retry} in ${delay} ms`, 'DeletionPublisher');
      },
    });
  }
}

/** The hub's 403 to a deletion: the agency lacks the `d` scope on the type. */
class DeletionsNotAllowed extends Error {
  constructor(readonly type: string) {
    super(`the hub refused ${type} deletions (403)`);
  }
}

/** The instant of an entry: the server's `response.lastModified`, else its resource's `meta.lastUpdated`. */
function instantOf(entry: BundleEntry): string | undefined {
  const at = entry.response?.lastModified ?? entry.resource?.meta?.lastUpdated;
  if (at === undefined || Number.isNaN(Date.parse(at))) return undefined;
  return new Date(at).toISOString();
}

/** The latest instant among the entries (ISO strings in UTC compare as text). */
function latestInstant(entries: readonly BundleEntry[]): string | undefined {
  return entries.reduce<string | undefined>((max, e) => {
    const at = instantOf(e);
    return at !== undefined && (max === undefined || at > max) ? at : max;
  }, undefined);
}

/** The DELETE entries of a type's history: the local ids deleted. */
function deletionsIn(entries: readonly BundleEntry[], type: string, baseUrl: string): Deletion[] {
  return entries.flatMap((e) => {
    if (e.request?.method !== 'DELETE') return [];
    const target =
      localTarget(e.request.url, baseUrl) ?? (e.fullUrl ? localTarget(e.fullUrl, baseUrl) : undefined);
    return target?.type === type ? [{ id: target.id, seen: `${target.id}@${instantOf(e) ?? ''}` }] : [];
  });
}
