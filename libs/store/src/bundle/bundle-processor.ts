import { randomUUID } from 'node:crypto';
import type { Bundle, BundleEntry, Resource } from 'fhir/r4';
import {
  type SearchQuery,
  type SupportedType,
  badRequest,
  etag,
  extractSearchValues,
  informational,
  isOperationOutcomeError,
  multipleMatches,
  OperationOutcomeError,
  outcome,
  preconditionFailed,
} from '@passerelle/fhir';
import type { FhirRepository } from '../fhir-repository';
import type { PendingWrite } from '../versions';
import { parseETag } from '../fhir-repository';
import type { Db } from '../sql/resource-sql';
import type { Actor, StoredResource } from '../types';
import { type EntryRequest, parseEntryRequest, parseQueryString } from './entry-request';
import { isBundleLocal, rewriteReferences, unresolvedReference } from './references';

/** How an entry's GET is answered: the caller renders reads and searches the same way as the REST API. */
export type GetHandler = (
  db: Db,
  actor: Actor,
  request: EntryRequest,
) => Promise<{ status: number; resource: Resource }>;

const STATUS_TEXT: Record<number, string> = { 200: '200 OK', 201: '201 Created', 204: '204 No Content' };

function writeResponse(stored: StoredResource, status: number): BundleEntry['response'] {
  return {
    status: STATUS_TEXT[status] ?? String(status),
    location: `${stored.type}/${stored.id}/_history/${stored.versionId}`,
    etag: etag(stored.versionId),
    lastModified: stored.lastUpdated.toISOString(),
  };
}

/** Order of processing in a transaction (FHIR R4 3.1.0.11.2): DELETE, POST, PUT, then GET. */
const ORDER: Record<EntryRequest['method'], number> = { DELETE: 0, POST: 1, PUT: 2, GET: 3 };

export interface BundleHooks {
  /** Throws for an entry the caller may not run; sees every entry before anything runs. */
  authorize?: (entry: EntryRequest) => void;
  /** Told of every version written (after the transaction's writes, before it commits). */
  onWritten?: (written: StoredResource[]) => void;
}

/** Bundle `transaction` (all or nothing) and `batch` (each entry on its own). One per request. */
export class BundleProcessor {
  private onWritten: (written: StoredResource[]) => void = () => undefined;

  constructor(
    private readonly repo: FhirRepository,
    private readonly getHandler: GetHandler,
  ) {}

  /** `authorize` throws for an entry the caller may not run; it sees every entry before anything runs. */
  async process(actor: Actor, bundle: unknown, hooks: BundleHooks = {}): Promise<Bundle> {
    const authorize = hooks.authorize ?? (() => undefined);
    this.onWritten = hooks.onWritten ?? (() => undefined);
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
      const pending: { request: EntryRequest; write?: PendingWrite; existing?: StoredResource }[] = [];
      for (const r of [...requests].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index)) {
        const identity = identities.get(r.index);
        switch (r.method) {
          case 'DELETE': {
            const write = identity
              ? await this.repo.prepareDelete(db, actor, r.type, identity.id)
              : undefined;
            out[r.index] = { response: { status: write ? '200 OK' : '204 No Content' } };
            if (write) pending.push({ request: r, write });
            break;
          }
          case 'POST':
          case 'PUT': {
            if (!identity) throw new Error('unreachable: writes always have an identity');
            if (identity.existing) {
              pending.push({ request: r, existing: identity.existing });
              break;
            }
            const resource = r.resource!;
            if (r.method === 'PUT' && r.id !== undefined && resource.id !== r.id) {
              throw badRequest('The resource id must equal the id in request.url', [
                `Bundle.entry[${r.index}].resource.id`,
              ]);
            }
            const write = await this.repo.prepareWrite(db, actor, r.type, identity.id, resource, {
              isCreate: identity.isNew && r.method === 'POST',
              expectedVersion: r.ifMatch !== undefined ? parseETag(r.ifMatch) : undefined,
            });
            pending.push({ request: r, write });
            break;
          }
          case 'GET':
            break;
        }
      }
      const writes = pending.flatMap((p) => (p.write ? [p.write] : []));
      await this.repo.commitAll(db, actor, writes);
      this.onWritten(writes.filter((w) => w.result.changed).map((w) => w.result.stored));
      for (const p of pending) {
        if (p.write)
          out[p.request.index] = { response: writeResponse(p.write.result.stored, p.write.result.status) };
        if (p.existing) out[p.request.index] = { response: writeResponse(p.existing, 200) };
      }
      for (const r of requests.filter((q) => q.method === 'GET')) {
        const { status, resource } = await this.getHandler(db, actor, r);
        out[r.index] = { resource, response: { status: STATUS_TEXT[status] ?? String(status) } };
      }
      return out;
    });
    return { resourceType: 'Bundle', type: 'transaction-response', entry: responses };
  }

  /**
   * Decides which resource each write entry touches: a new id, the id in the URL, or the single
   * match of its conditional criteria. Maps each entry's fullUrl to `Type/id`.
   */
  private async resolveIdentities(
    db: Db,
    actor: Actor,
    requests: EntryRequest[],
  ): Promise<Map<number, { id: string; isNew: boolean; existing?: StoredResource }>> {
    const identities = new Map<number, { id: string; isNew: boolean; existing?: StoredResource }>();
    const seen = new Map<string, number>();
    const conditional = requests
      .filter((r) => r.method !== 'GET')
      .map((r) => ({
        r,
        criteria: r.method === 'POST' ? r.ifNoneExist : r.id === undefined ? r.criteria : undefined,
      }))
      .sort((a, b) =>
        JSON.stringify([a.r.type, a.criteria]).localeCompare(JSON.stringify([b.r.type, b.criteria])),
      );
    for (const { r, criteria } of conditional) {
      let identity: { id: string; isNew: boolean; existing?: StoredResource } | undefined;
      if (criteria) {
        const match = await this.repo.findConditionalTarget(db, actor, r.type, criteria);
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

  /** Rewrites urn:uuid and conditional references to `Type/id`; an unresolvable one fails the transaction. */
  private async rewriteAll(
    db: Db,
    actor: Actor,
    requests: EntryRequest[],
    identities: Map<number, { id: string }>,
  ): Promise<void> {
    const byFullUrl = new Map<string, string>();
    for (const r of requests) {
      const identity = identities.get(r.index);
      if (r.fullUrl && identity && r.method !== 'DELETE')
        byFullUrl.set(r.fullUrl, `${r.type}/${identity.id}`);
    }
    const writes = requests.filter((r) => r.resource && (r.method === 'POST' || r.method === 'PUT'));
    for (const r of writes) {
      await rewriteReferences(
        r.resource!,
        `Bundle.entry[${r.index}].resource`,
        async (reference, expression) => {
          const local = byFullUrl.get(reference);
          if (local) return local;
          if (isBundleLocal(reference)) return unresolvedReference(expression);
          const q = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference);
          if (q)
            return this.resolveConditionalReference(db, actor, q[1], q[2], expression, requests, identities);
          return undefined;
        },
      );
    }
  }

  /**
   * `Type?criteria` → the one resource that matches, among this Bundle's own entries (identifier
   * tokens) and the stored resources. Zero or several matches fail the transaction.
   */
  private async resolveConditionalReference(
    db: Db,
    actor: Actor,
    type: string,
    query: string,
    expression: string,
    requests: EntryRequest[],
    identities: Map<number, { id: string }>,
  ): Promise<string> {
    const criteria = this.repo.parseQuery(type as SupportedType, parseQueryString(query), true);
    // Resolved among the caller's own resources and shared directory data only.
    const parsed: SearchQuery = {
      ...criteria,
      filters: [...criteria.filters, { kind: 'provenance', agency: actor.agency, scope: 'own-or-directory' }],
    };
    const candidates = new Set<string>();
    const tokenFilters = criteria.filters.filter((f) => f.kind === 'token');
    if (tokenFilters.length === criteria.filters.length && tokenFilters.length > 0) {
      for (const r of requests) {
        const identity = identities.get(r.index);
        if (r.type !== type || !r.resource || !identity || r.method === 'DELETE') continue;
        const tokens = new Set(extractSearchValues(r.type, r.resource).tokens);
        if (tokenFilters.every((f) => f.keys.some((k) => tokens.has(k)))) candidates.add(identity.id);
      }
    }
    const page = await this.repo.search(
      actor,
      { ...parsed, count: 2, includes: [], revIncludes: [], summaryCount: false, skipTotal: true },
      db,
    );
    for (const e of page.entries) candidates.add(e.stored.id);
    if (candidates.size === 0) {
      throw new OperationOutcomeError(
        412,
        outcome('error', 'not-found', 'Conditional reference matches no resource', [expression]),
      );
    }
    if (candidates.size > 1) throw multipleMatches('Conditional reference matches more than one resource');
    return `${type}/${[...candidates][0]}`;
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
    authorize(r);
    if (r.resource) {
      this.repo.checkResource(r.type, r.resource, `Bundle.entry[${index}].resource`);
      // Entries of a batch may not depend on each other; conditional references resolve against the store.
      await this.repo.transaction((db) =>
        rewriteReferences(r.resource!, `Bundle.entry[${index}].resource`, async (reference, expression) => {
          if (isBundleLocal(reference)) return unresolvedReference(expression);
          const q = /^([A-Z][A-Za-z]+)\?(.+)$/.exec(reference);
          return q
            ? this.resolveConditionalReference(db, actor, q[1], q[2], expression, [], new Map())
            : undefined;
        }),
      );
    }
    switch (r.method) {
      case 'GET': {
        const { status, resource } = await this.repo.transaction((db) => this.getHandler(db, actor, r));
        return { resource, response: { status: STATUS_TEXT[status] ?? String(status) } };
      }
      case 'POST': {
        const result = await this.repo.create(actor, r.type, r.resource, r.ifNoneExist);
        if (result.changed) this.onWritten([result.stored]);
        return { response: writeResponse(result.stored, result.status) };
      }
      case 'PUT': {
        const result =
          r.id !== undefined
            ? await this.repo.update(actor, r.type, r.id, r.resource, r.ifMatch)
            : await this.repo.conditionalUpdate(actor, r.type, r.criteria!, r.resource);
        if (result.changed) this.onWritten([result.stored]);
        return { response: writeResponse(result.stored, result.status) };
      }
      case 'DELETE': {
        if (r.id === undefined) throw preconditionFailed('Conditional delete is not supported in a batch');
        const result = await this.repo.delete(actor, r.type, r.id);
        if (result) this.onWritten([result.stored]);
        return {
          response: { status: result ? '200 OK' : '204 No Content', outcome: informational('Deleted') },
        };
      }
    }
  }
}
