import type { Identifier, Resource } from 'fhir/r4';
import { referencesOf } from '@passerelle/fhir';
import type { FhirEndpoint } from '../fhir/fhir-endpoint';
import { isRejection, matchesOf } from './outcomes';
import { identifiersOf, localTarget } from './references';

/** Ids per `_id` search: keeps the URL well under common limits (64-character ids). */
const CHUNK = 40;
/** Remembered targets per cycle; beyond this the least recently used are forgotten (fetched again if needed). */
const MAX_CACHED = 10_000;

/**
 * The identifiers of the local resources a page points to, fetched in a few `_id` searches per
 * page rather than one read per reference, and remembered for the rest of the cycle.
 */
export class TargetIdentifiers {
  private readonly known = new Map<string, readonly Identifier[]>();

  constructor(
    private readonly agency: FhirEndpoint,
    private readonly retry: <T>(fn: () => Promise<T>) => Promise<T>,
  ) {}

  get(type: string, id: string): readonly Identifier[] | undefined {
    return this.known.get(`${type}/${id}`);
  }

  /** Fetches the targets of `resources`' local references that are not known yet. */
  async prefetch(resources: readonly Resource[], baseUrl: string): Promise<void> {
    // The page's own resources may be targets (a Patient's link to another): their identifiers are at hand.
    for (const resource of resources) {
      if (resource.id) this.remember(`${resource.resourceType}/${resource.id}`, identifiersOf(resource));
    }
    const wanted = new Map<string, Set<string>>();
    for (const resource of resources) {
      for (const reference of referencesOf(resource)) {
        const target = localTarget(reference, baseUrl);
        if (!target) continue;
        const key = `${target.type}/${target.id}`;
        const cached = this.known.get(key);
        if (cached !== undefined) {
          // Most recently used last, so an eviction never drops a target of the page at hand.
          this.remember(key, cached);
          continue;
        }
        const ids = wanted.get(target.type) ?? new Set<string>();
        ids.add(target.id);
        wanted.set(target.type, ids);
      }
    }
    for (const [type, ids] of wanted) {
      const all = [...ids];
      for (let i = 0; i < all.length; i += CHUNK) await this.fetch(type, all.slice(i, i + CHUNK));
    }
  }

  private async fetch(type: string, ids: string[]): Promise<void> {
    let found: Resource[];
    try {
      const bundle = await this.retry(() =>
        this.agency.search(type, { _id: ids.join(','), _count: ids.length }),
      );
      found = matchesOf(bundle, type);
    } catch (e) {
      if (!isRejection(e)) throw e;
      // A server without `_id` search on this type: one search each.
      found = [];
      for (const id of ids) {
        try {
          found.push(...matchesOf(await this.retry(() => this.agency.search(type, { _id: id })), type));
        } catch (inner) {
          if (!isRejection(inner)) throw inner;
        }
      }
    }
    for (const r of found) if (r.id) this.remember(`${type}/${r.id}`, identifiersOf(r));
    // Not found (deleted, or not visible to the connector): the reference keeps its display only.
    for (const id of ids) if (!this.known.has(`${type}/${id}`)) this.remember(`${type}/${id}`, []);
  }

  private remember(key: string, value: readonly Identifier[]): void {
    this.known.delete(key);
    if (this.known.size >= MAX_CACHED) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
    this.known.set(key, value);
  }
}
