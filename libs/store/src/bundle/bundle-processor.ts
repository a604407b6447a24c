import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import {
  type SearchQuery,
  badRequest,
  etag,
  tooLarge,
  informational,
  isOperationOutcomeError,
  multipleMatches,
  preconditionFailed,
  referencesOf,
} from '@passerelle/fhir';
import type { FhirRepository } from '../fhir-repository';
import { criteriaLockKey, parseETag, type PrepareItem } from '../write-support';
import type { PendingWrite } from '../versions';
import { type Db, lockCriteriaMany } from '../sql/resource-sql';
import type { Actor, WriteResult, WrittenHook } from '../types';
import { type MatchFacts, matchAll } from './conditional-batch';
import { type EntryRequest, parseEntryRequest } from './entry-request';
import { type BundleTarget, resolveConditionalReferences, rewriteResolved } from './reference-resolution';

/** How an entry's GET is answered: the caller renders reads and searches the same way as the REST API. */
export type GetHandler = (
  db: Db,
  actor: Actor,
  request: EntryRequest,
) => Promise<{ status: number; resource: Resource }>;

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created', 204: '204 No Content' };

function writeResponse(stored: MatchFacts, status: number): BundleEntry['response'] {
  return {
    status: STATUS_TEXT[status] ?? String(status),
    location: `${stored.type}/${stored.id}/_history/${stored.versionId}`,
    etag: etag(stored.versionId),
    lastModified: stored.lastUpdated.toISOString(),
  };
}

/** Order of processing in a transaction (FHIR R4 3.1.0.11.2): DELETE, POST, PUT, then GET. */
const ORDER: Record<EntryRequest['method'], number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };

/** The resource a write entry touches; `existing`: a conditional create's match (nothing written). */
interface Identity {
  id: string;
  isNew: boolean;
  existing?: MatchFacts;
}

export interface BundleHooks {
  /** Throws for an entry the caller may not run; sees every entry before anything runs. */
  authorize?: (entry: EntryRequest) => void;
  /**
   * Runs in each writing transaction before it commits, with what it changed: once at the end of
   * a transaction Bundle (after its GET entries), in each entry's own transaction in a batch.
   */
  onWritten?: WrittenHook;
  /** Bundles with more entries are refused whole (413) before anything runs. */
  maxEntries?: number;
}

/** Bundle `transaction` (all or nothing) and `batch` (each entry on its own). One per request. */
export class BundleProcessor {
  private onWritten: WrittenHook = () => Promise.resolve();

  constructor(
    private readonly repo: FhirRepository,
    private readonly getHandler: GetHandler,
  ) {}

  /** `authorize` throws for an entry the caller may not run; it sees every entry before anything runs. */
  async process(actor: Actor, bundle: unknown, hooks: BundleHooks = {}): Promise<Bundle> {
    const authorize = hooks.authorize ?? (() => undefined);
    this.onWritten = hooks.onWritten ?? (() => Promise.resolve());
    if (typeof bundle !== 'object' || bundle === null || (bundle as Bundle).resourceType !== 'Bundle') {
      throw badRequest('Expected a Bundle', ['Bundle.resourceType']);
    }
    const b = bundle as Bundle;
    if (b.type !== 'transaction' && b.type !== 'batch') {
      throw badRequest('Bundle.type must be transaction or batch', ['Bundle.type']);
    }
    if (b.entry !== undefined && !Array.isArray(b.entry))
      throw badRequest('Bundle.entry must be an array', ['Bundle.entry']);
    const entries = b.entry ?? [];
    if (hooks.maxEntries !== undefined && entries.length > hooks.maxEntries) {
      throw tooLarge(
        `A Bundle may hold at most ${hooks.maxEntries} entries; this one holds ${entries.length}`,
      );
    }
    return b.type === 'transaction'
      ? this.transaction(actor, entries, authorize)
      : this.batch(actor, entries, authorize);
  }

  private async transaction(
    actor: Actor,
    entries: BundleEntry[],
    authorize: (entry: EntryRequest) => void,
  ): Promise<Bundle> {
    const bases = this.repo.options.localBases;
    const requests = entries.map((e, i) => parseEntryRequest(e, i, bases));
    requests.forEach(authorize);
    for (const r of requests) {
      if (r.resource) this.repo.checkResource(r.type, r.resource, `Bundle.entry[${r.index}].resource`);
    }
    const responses = await this.repo.transaction(async (db) => {
      const out: BundleEntry[] = new Array<BundleEntry>(requests.length);
      // Lock every conditional criteria first, in one order, so two transactions cannot deadlock.
      const identities = await this.resolveIdentities(db, actor, requests);
      await this.rewriteAll(db, actor, requests, identities);
      // What each entry does, in processing order; current rows are read under lock in one statement.
      const plan: { request: EntryRequest; item?: PrepareItem; existing?: MatchFacts }[] = [];
      for (const r of [...requests].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index)) {
        const identity = identities.get(r.index);
        switch (r.method) {
          case 'DELETE':
            plan.push({
              request: r,
              item: identity ? { kind: 'delete', type: r.type, id: identity.id } : undefined,
            });
            break;
          case 'POST':
          case 'PUT': {
            if (!identity) throw new Error('unreachable: writes always have an identity');
            if (identity.existing) {
              plan.push({ request: r, existing: identity.existing });
              break;
            }
            const resource = r.resource!;
            if (r.method === 'PUT' && r.id !== undefined && resource.id !== r.id) {
              throw badRequest('The resource id must equal the id in request.url', [
                `Bundle.entry[${r.index}].resource.id`,
              ]);
            }
            plan.push({
              request: r,
              item: {
                kind: 'write',
                type: r.type,
                id: identity.id,
                resource,
                isCreate: identity.isNew && r.method === 'POST',
                expectedVersion: r.ifMatch !== undefined ? parseETag(r.ifMatch) : undefined,
                expressionRoot: `Bundle.entry[${r.index}].resource`,
              },
            });
            break;
          }
          case 'GET':
            break;
        }
      }
      const items = plan.flatMap((p) => (p.item ? [p.item] : []));
      const prepared = await this.repo.prepareMany(db, actor, items);
      const byItem = new Map<PrepareItem, PendingWrite | undefined>(
        items.map((item, i) => [item, prepared[i]]),
      );
      const writes = prepared.flatMap((w) => (w ? [w] : []));
      await this.repo.commitAll(db, actor, writes);
      const changed: WriteResult[] = writes.flatMap((w) => (w.row && w.result.changed ? [w.result] : []));
      for (const p of plan) {
        const write = p.item ? byItem.get(p.item) : undefined;
        if (p.request.method === 'DELETE')
          out[p.request.index] = { response: { status: write ? '200 OK' : '204 No Content' } };
        else if (write)
          out[p.request.index] = { response: writeResponse(write.result.stored, write.result.status) };
        else if (p.existing) out[p.request.index] = { response: writeResponse(p.existing, 200) };
      }
      for (const r of requests.filter((q) => q.method === 'GET')) {
        const { status, resource } = await this.getHandler(db, actor, r);
        out[r.index] = { resource, response: { status: STATUS_TEXT[status] ?? String(status) } };
      }
      // Last, so that the audit's chain lock is held only until the COMMIT that follows.
      if (changed.length > 0) await this.onWritten(db, changed);
      return out;
    });
    return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
  }

  /**
   * Decides which resource each write entry touches: a new id, the id in the URL, or the single
   * match of its conditional criteria. All criteria are looked up together (one query per type);
   * those that match nothing yet are locked, in one sorted statement, and looked up again, so that
   * two concurrent creators make one resource.
   */
  private async resolveIdentities(
    db: Db,
    actor: Actor,
    requests: EntryRequest[],
  ): Promise<Map<number, Identity>> {
    const identities = new Map<number, Identity>();
    const seen = new Map<string, number>();
    const writes = requests
      .filter((r) => r.method !== 'GET')
      .map((r) => ({
        r,
        criteria: r.method === 'POST' ? r.ifNoneExist : r.id === undefined ? r.criteria : undefined,
      }))
      .sort((a, b) =>
        JSON.stringify([a.r.type, a.criteria]).localeCompare(JSON.stringify([b.r.type, b.criteria])),
      );
    const queries = new Map<EntryRequest, SearchQuery>();
    for (const { r, criteria } of writes) {
      if (criteria) queries.set(r, this.repo.conditionalQuery(actor, r.type, criteria));
    }
    const asked = [...queries.values()];
    const found = await matchAll(this.repo, db, asked);
    const unmatched = asked.flatMap((_, i) => (found[i].length === 0 ? [i] : []));
    if (unmatched.length > 0) {
      await lockCriteriaMany(
        db,
        unmatched.map((i) => criteriaLockKey(asked[i])),
      );
      const again = await matchAll(
        this.repo,
        db,
        unmatched.map((i) => asked[i]),
      );
      unmatched.forEach((i, j) => (found[i] = again[j]));
    }
    const matches = new Map([...queries.keys()].map((r, i) => [r, found[i]]));
    for (const { r, criteria } of writes) {
      let identity: Identity | undefined;
      if (criteria) {
        const all = matches.get(r) ?? [];
        if (all.length > 1) throw multipleMatches(`More than one ${r.type} matches the criteria`);
        const match = all[0];
        if (r.method === 'POST')
          identity = match
            ? { id: match.id, isNew: false, existing: match }
            : { id: randomUUID(), isNew: true };
        else if (r.method === 'PUT')
          identity = match
            ? { id: match.id, isNew: false }
            : { id: r.resource?.id ?? randomUUID(), isNew: true };
        else identity = match ? { id: match.id, isNew: false } : undefined;
      } else if (r.method === 'POST') {
        identity = { id: randomUUID(), isNew: true };
      } else {
        identity = { id: r.id!, isNew: false };
      }
      if (!identity) continue;
      const key = `${r.type}/${identity.id}`;
      if (seen.has(key)) {
        throw badRequest(`Entries ${seen.get(key)} and ${r.index} both change ${r.type}/${identity.id}`, [
          `Bundle.entry[${r.index}]`,
        ]);
      }
      seen.set(key, r.index);
      identities.set(r.index, identity);
    }
    return identities;
  }

  /**
   * Rewrites urn:uuid and conditional references to `Type/id`; an unresolvable one fails the
   * transaction. Every conditional reference of the Bundle is resolved first, together.
   */
  private async rewriteAll(
    db: Db,
    actor: Actor,
    requests: EntryRequest[],
    identities: Map<number, { id: string }>,
  ): Promise<void> {
    const byFullUrl = new Map<string, string>();
    const targets: BundleTarget[] = [];
    for (const r of requests) {
      const identity = identities.get(r.index);
      if (!identity || r.method === 'DELETE') continue;
      if (r.fullUrl) byFullUrl.set(r.fullUrl, `${r.type}/${identity.id}`);
      if (r.resource) targets.push({ type: r.type, id: identity.id, resource: r.resource });
    }
    const writes = requests.filter((r) => r.resource && (r.method === 'POST' || r.method === 'PUT'));
    const references = new Set<string>();
    for (const r of writes)
      for (const ref of referencesOf(r.resource!)) if (!byFullUrl.has(ref)) references.add(ref);
    const resolutions = await resolveConditionalReferences(this.repo, db, actor, references, targets);
    for (const r of writes) {
      await rewriteResolved(r.resource!, `Bundle.entry[${r.index}].resource`, byFullUrl, resolutions);
    }
  }

  private async batch(
    actor: Actor,
    entries: BundleEntry[],
    authorize: (entry: EntryRequest) => void,
  ): Promise<Bundle> {
    const out: BundleEntry[] = [];
    for (let i = 0; i < entries.length; i++) {
      try {
        out.push(await this.batchEntry(actor, entries[i], i, authorize));
      } catch (e) {
        if (!isOperationOutcomeError(e)) throw e;
        out.push({ response: { status: String(e.status), outcome: e.outcome } });
      }
    }
    return { resourceType: 'Bundle', type: 'batch-response', entry: out };
  }

  private async batchEntry(
    actor: Actor,
    entry: BundleEntry,
    index: number,
    authorize: (entry: EntryRequest) => void,
  ): Promise<BundleEntry> {
    const r = parseEntryRequest(entry, index, this.repo.options.localBases);
    const where = `Bundle.entry[${index}].resource`;
    authorize(r);
    if (r.resource) {
      this.repo.checkResource(r.type, r.resource, where);
      // Entries of a batch may not depend on each other; conditional references resolve against the store.
      const resource = r.resource;
      await this.repo.transaction(async (db) => {
        const resolutions = await resolveConditionalReferences(
          this.repo,
          db,
          actor,
          new Set(referencesOf(resource)),
          [],
        );
        await rewriteResolved(resource, where, new Map(), resolutions);
      });
    }
    switch (r.method) {
      case 'GET': {
        const { status, resource } = await this.repo.transaction((db) => this.getHandler(db, actor, r));
        return { resource, response: { status: STATUS_TEXT[status] ?? String(status) } };
      }
      case 'POST': {
        const result = await this.repo.create(
          actor,
          r.type,
          r.resource,
          r.ifNoneExist,
          this.onWritten,
          where,
        );
        return { response: writeResponse(result.stored, result.status) };
      }
      case 'PUT': {
        const result =
          r.id !== undefined
            ? await this.repo.update(actor, r.type, r.id, r.resource, r.ifMatch, this.onWritten, where)
            : await this.repo.conditionalUpdate(
                actor,
                r.type,
                r.criteria!,
                r.resource,
                this.onWritten,
                where,
              );
        return { response: writeResponse(result.stored, result.status) };
      }
      case 'DELETE': {
        if (r.id === undefined) throw preconditionFailed('Conditional delete is not supported in a batch');
        const result = await this.repo.delete(actor, r.type, r.id, this.onWritten);
        return {
          response: { status: result ? '200 OK' : '204 No Content', outcome: informational('Deleted') },
        };
      }
    }
  }
}
