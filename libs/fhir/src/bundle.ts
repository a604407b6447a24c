import type { Bundle, BundleEntry, BundleLink, Resource } from 'fhir/r4';

/** Builds the Bundles the API answers with. `base` is the public FHIR base URL, e.g. https://hub/fhir. */
export interface BundleResource {
  resource: Resource;
  mode?: 'match' | 'include' | 'outcome';
}

export function fullUrl(base: string, resource: Pick<Resource, 'resourceType' | 'id'>): string {
  return `${base}/${resource.resourceType}/${resource.id}`;
}

export function searchsetBundle(
  base: string,
  items: BundleResource[],
  links: { self: string; next?: string },
  total?: number,
): Bundle {
  const link: BundleLink[] = [{ relation: 'self', url: links.self }];
  if (links.next) link.push({ relation: 'next', url: links.next });
  const bundle: Bundle = { resourceType: 'Bundle', type: 'searchset', link };
  if (total !== undefined) bundle.total = total;
  bundle.entry = items.map((item): BundleEntry => ({
    fullUrl: fullUrl(base, item.resource),
    resource: item.resource,
    search: item.mode ? { mode: item.mode } : undefined,
  }));
  if (bundle.entry.length === 0) delete bundle.entry;
  return bundle;
}

/** A query string in a stable order, for self and next links. */
export function queryString(pairs: [string, string][]): string {
  if (pairs.length === 0) return '';
  return `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`;
}

export function etag(versionId: number | string): string {
  return `W/"${versionId}"`;
}

export interface HistoryItem {
  resource?: Resource;
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  method: 'create' | 'update' | 'delete';
}

const HISTORY_METHOD = { create: 'POST', update: 'PUT', delete: 'DELETE' } as const;
const HISTORY_STATUS = { create: '201 Created', update: '200 OK', delete: '204 No Content' } as const;

export function historyBundle(
  base: string,
  items: HistoryItem[],
  links: { self: string; next?: string },
): Bundle {
  const link: BundleLink[] = [{ relation: 'self', url: links.self }];
  if (links.next) link.push({ relation: 'next', url: links.next });
  const entry = items.map((item): BundleEntry => ({
    fullUrl: `${base}/${item.type}/${item.id}`,
    resource: item.resource,
    request: {
      method: HISTORY_METHOD[item.method],
      url: item.method === 'create' ? item.type : `${item.type}/${item.id}`,
    },
    response: {
      status: HISTORY_STATUS[item.method],
      etag: etag(item.versionId),
      lastModified: item.lastUpdated.toISOString(),
    },
  }));
  return { resourceType: 'Bundle', type: 'history', link, ...(entry.length > 0 ? { entry } : {}) };
}
