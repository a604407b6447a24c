import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/** One write as a history lists it. */
interface Change {
  type: string;
  id: string;
  /** The server's instant of the write (a deletion's own instant: after the last version's). */
  at: string;
  method: 'POST' | 'PUT' | 'DELETE';
  /** The version written; none for a deletion. */
  resource?: Resource;
}

/**
 * Every write of an agency server, for the history interactions MemoryRepository lacks and
 * production servers (HAPI, Medplum's PostgreSQL server) have:
 *
 * - `GET /fhir/{type}/_history?_since=`: the type's writes at or after an instant, newest first,
 *   deletions included as entries with `request.method` DELETE and no resource, as HAPI lists
 *   them; this is how a connector learns what its agency deleted;
 * - the history of a deleted resource (`GET /fhir/{type}/{id}/_history`): its earlier versions
 *   stay readable, so a client can find which identifier the deleted resource had.
 *
 * In memory, like the data; a restart forgets it with the data.
 */
export class ChangeLog {
  private readonly changes: Change[] = [];
  /** The versions of deleted resources, `type/id` → oldest first. */
  private readonly deleted = new Map<string, Resource[]>();

  wrote(resource: Resource, created: boolean): void {
    if (resource.id === undefined) return;
    this.changes.push({
      type: resource.resourceType,
      id: resource.id,
      at: resource.meta?.lastUpdated ?? new Date().toISOString(),
      method: created ? 'POST' : 'PUT',
      resource: structuredClone(resource),
    });
    this.deleted.delete(`${resource.resourceType}/${resource.id}`);
  }

  removed(type: string, id: string, at: string): void {
    const versions = this.changes
      .filter((c) => c.type === type && c.id === id && c.resource !== undefined)
      .map((c) => c.resource as Resource);
    this.changes.push({ type, id, at, method: 'DELETE' });
    this.deleted.set(`${type}/${id}`, versions);
  }

  clear(): void {
    this.changes.length = 0;
    this.deleted.clear();
  }

  /** The type's history Bundle from `since` (inclusive; none: from the start), newest first. */
  typeHistory(type: string, since: string | undefined, base: string): Bundle {
    const from = since === undefined ? Number.NEGATIVE_INFINITY : Date.parse(since);
    const entries: BundleEntry[] = this.changes
      .filter((c) => c.type === type && Date.parse(c.at) >= from)
      .reverse()
      .map((c) => ({
        fullUrl: `${base}/${c.type}/${c.id}`,
        ...(c.resource !== undefined ? { resource: structuredClone(c.resource) } : {}),
        request: { method: c.method, url: c.method === 'POST' ? c.type : `${c.type}/${c.id}` },
        response: {
          status: c.method === 'POST' ? '201 Created' : c.method === 'PUT' ? '200 OK' : '204 No Content',
          lastModified: c.at,
        },
      }));
    return { resourceType: 'Bundle', type: 'history', total: entries.length, entry: entries };
  }

  /** The versions of a deleted resource, newest first; undefined when it is not deleted. */
  deletedHistory(type: string, id: string): Bundle | undefined {
    const versions = this.deleted.get(`${type}/${id}`);
    if (versions === undefined) return undefined;
    return {
      resourceType: 'Bundle',
      type: 'history',
      entry: [...versions].reverse().map((resource) => ({ resource: structuredClone(resource) })),
    };
  }
}
