import type { Bundle, BundleLink, Resource } from '@medplum/fhirtypes';

/** Page sizes of searches: MemoryRepository returns every match when `_count` is absent. */
export interface PageSize {
  default: number;
  max: number;
}

export const DEFAULT_PAGE_SIZE: PageSize = { default: 50, max: 1000 };

/**
 * The query a search runs with: `_count` added when absent and capped at the maximum, so that
 * a client paging through a large agency gets pages, as from any production server.
 */
export function boundedSearchQuery(query: URLSearchParams, pages: PageSize): URLSearchParams {
  // `_summary=count` asks for the total only; a `_count` after it would bring entries back.
  if (query.get('_summary') === 'count') return query;
  const bounded = new URLSearchParams(query);
  const asked = Number.parseInt(bounded.get('_count') ?? '', 10);
  const count = Number.isNaN(asked) || asked < 0 ? pages.default : Math.min(asked, pages.max);
  bounded.set('_count', String(count));
  return bounded;
}

/**
 * Adds what MemoryRepository leaves out of a searchset: `fullUrl` and search mode on each entry,
 * and `self` and `next` links, absolute URLs on this server.
 *
 * `next` pages by keyset when the search is sorted by `_lastUpdated` ascending and by `_offset`
 * otherwise. Offset paging over data that changes skips a resource whenever one already read is
 * updated (it moves to the end and everything after it shifts back by one); with `lastUpdated`
 * unique and increasing (see SandboxRepository) `_lastUpdated=gt<last on this page>` is exact.
 * Medplum's own server does the same with its `_cursor` for `_sort=_lastUpdated`.
 */
export function addSearchLinks(bundle: Bundle, base: string, path: string, query: URLSearchParams): Bundle {
  const entries = bundle.entry ?? [];
  for (const entry of entries) {
    const resource: Resource | undefined = entry.resource;
    if (resource?.id !== undefined) entry.fullUrl = `${base}/${resource.resourceType}/${resource.id}`;
    entry.search = { mode: 'match' };
  }
  const link: BundleLink[] = [{ relation: 'self', url: pageUrl(base, path, query) }];
  const next = nextQuery(query, entries.length, bundle.total);
  if (next !== undefined && entries.length > 0) {
    const last = entries[entries.length - 1].resource?.meta?.lastUpdated;
    link.push({
      relation: 'next',
      url: pageUrl(base, path, sortedByLastUpdated(query) && last !== undefined ? keyset(next, last) : next),
    });
  }
  return { ...bundle, link };
}

function nextQuery(
  query: URLSearchParams,
  returned: number,
  total: number | undefined,
): URLSearchParams | undefined {
  const offset = Number.parseInt(query.get('_offset') ?? '0', 10) || 0;
  if (total === undefined || returned === 0 || offset + returned >= total) return undefined;
  const next = new URLSearchParams(query);
  next.set('_offset', String(offset + returned));
  return next;
}

function sortedByLastUpdated(query: URLSearchParams): boolean {
  return query.getAll('_sort').join(',') === '_lastUpdated';
}

/** The same search restricted to what comes after `lastUpdated`, from its first result. */
function keyset(query: URLSearchParams, lastUpdated: string): URLSearchParams {
  const next = new URLSearchParams();
  for (const [key, value] of query) {
    if (key === '_offset') continue;
    // Lower bounds are replaced by the tighter one: the last instant already returned.
    if (key === '_lastUpdated' && /^(gt|ge|sa)/.test(value)) continue;
    next.append(key, value);
  }
  next.append('_lastUpdated', `gt${lastUpdated}`);
  return next;
}

function pageUrl(base: string, path: string, query: URLSearchParams): string {
  const search = query.toString();
  return search === '' ? `${base}/${path}` : `${base}/${path}?${search}`;
}
