import { AsyncLocalStorage } from 'node:async_hooks';
import { deepEquals, type SearchRequest, type WithId } from '@medplum/core';
import { MemoryRepository, type UpdateResourceOptions } from '@medplum/fhir-router';
import type { Bundle, Resource } from '@medplum/fhirtypes';
import { ChangeLog } from './change-log';
import { SearchIndex } from './search-index';

/**
 * Medplum's in-memory FHIR repository with server behaviours it leaves out, which real FHIR
 * servers (HAPI, Medplum's own PostgreSQL server) have and the connectors rely on:
 *
 * - `meta.lastUpdated` is always assigned by the server (MemoryRepository keeps a value sent by
 *   the client on create), and strictly increases across the server, one millisecond at least
 *   between two writes. `_lastUpdated=gt<cursor>` then never misses a write made in the same
 *   millisecond as the cursor, and a page boundary never splits two resources of equal time.
 *   Under bursts of writes the clock may run ahead of the wall clock by a few milliseconds.
 * - An update whose content equals the current version (ignoring id, versionId, lastUpdated)
 *   creates no new version: a conditional update sent twice leaves one version, as on HAPI.
 * - Transactions run one at a time. MemoryRepository runs them concurrently, so two conditional
 *   updates with the same identifier, arriving together, both found nothing and both created.
 *   A transaction inside a transaction (a conditional update in a transaction Bundle) runs in
 *   the outer one. It is still not atomic: see the README's list of gaps.
 * - Searches skip what cannot match through an index (see SearchIndex); Medplum still decides
 *   what matches.
 * - Every write is logged (ChangeLog): the type's history with `_since` lists deletions, and a
 *   deleted resource's earlier versions stay readable, as on HAPI.
 */
export class SandboxRepository extends MemoryRepository {
  private lastWrite = 0;
  private readonly transaction = new AsyncLocalStorage<true>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly index = new SearchIndex();
  readonly changes = new ChangeLog();

  override withTransaction<TResult>(callback: (client: undefined) => Promise<TResult>): Promise<TResult> {
    if (this.transaction.getStore() === true) return callback(undefined);
    const run = this.queue.then(() => this.transaction.run(true, () => callback(undefined)));
    this.queue = run.catch(() => undefined);
    return run;
  }

  override async createResource<T extends Resource>(resource: T): Promise<WithId<T>> {
    const meta = { ...resource.meta, lastUpdated: this.nextInstant() };
    // MemoryRepository keeps a versionId it is given; updateResource has removed the old one.
    delete meta.versionId;
    const existed =
      resource.id !== undefined && (await this.currentVersion(resource.resourceType, resource.id));
    const created = await super.createResource({ ...resource, meta });
    this.index.put(created);
    this.changes.wrote(created, !existed);
    return created;
  }

  override async deleteResource(resourceType: string, id: string): Promise<void> {
    await super.deleteResource(resourceType, id);
    this.index.remove(resourceType, id);
    this.changes.removed(resourceType, id, this.nextInstant());
  }

  /** A deleted resource's history stays readable (MemoryRepository answers 404 once it is gone). */
  override async readHistory<T extends Resource>(resourceType: string, id: string): Promise<Bundle<T>> {
    const deleted = this.changes.deletedHistory(resourceType, id);
    if (deleted !== undefined) return deleted as Bundle<T>;
    return super.readHistory<T>(resourceType, id);
  }

  override clear(): void {
    super.clear();
    this.index.clear();
    this.changes.clear();
  }

  override async search<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return Promise.resolve(this.index.search(searchRequest));
  }

  /** MemoryRepository's own search, over the same data: the reference the index is tested against. */
  async searchWithoutIndex<T extends Resource>(searchRequest: SearchRequest<T>): Promise<Bundle<WithId<T>>> {
    return super.search(searchRequest);
  }

  override async updateResource<T extends Resource>(
    resource: T,
    options?: UpdateResourceOptions,
  ): Promise<WithId<T>> {
    if (resource.id !== undefined) {
      const current = await this.currentVersion<T>(resource.resourceType, resource.id);
      const versionMatches = options?.ifMatch === undefined || options.ifMatch === current?.meta?.versionId;
      // A mismatched If-Match goes on to MemoryRepository, which answers 412.
      if (current !== undefined && versionMatches && deepEquals(content(resource), content(current)))
        return current;
    }
    return super.updateResource(resource, options);
  }

  private async currentVersion<T extends Resource>(type: string, id: string): Promise<WithId<T> | undefined> {
    try {
      return (await this.readResource<T>(type, id)) as WithId<T>;
    } catch {
      // Not found: the update creates the resource (update as create).
      return undefined;
    }
  }

  private nextInstant(): string {
    this.lastWrite = Math.max(Date.now(), this.lastWrite + 1);
    return new Date(this.lastWrite).toISOString();
  }
}

/** A resource without what the server assigns to each version, for comparing content. */
function content(resource: Resource): Resource {
  if (resource.meta === undefined) return resource;
  const { versionId: _versionId, lastUpdated: _lastUpdated, ...meta } = resource.meta;
  const { meta: _meta, ...rest } = resource;
  return Object.keys(meta).length === 0 ? rest : { ...rest, meta };
}
