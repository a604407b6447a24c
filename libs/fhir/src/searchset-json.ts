import type { Bundle } from 'fhir/r4';
import { type BundleResource, searchsetBundle } from './bundle';

/** A resource as stored: its JSON text, ready to send (the store's `json`). */
export interface StoredJson {
  type: string;
  id: string;
  json: string;
  mode?: BundleResource['mode'];
}

/**
 * The same searchset as `searchsetBundle`, as JSON text, each resource spliced in as stored: no
 * JSON.parse of every match and no re-serialisation of the whole Bundle (on a page of 20
 * Patients, a third of the hub's CPU and most of its garbage). The Bundle's own fields go
 * through `searchsetBundle`, so the two answer the same document.
 */
export function searchsetJson(
  base: string,
  items: readonly StoredJson[],
  links: { self: string; next?: string },
  total?: number,
): string {
  const { entry: _entry, ...head }: Bundle = searchsetBundle(base, [], links, total);
  const fields = JSON.stringify(head);
  if (items.length === 0) return fields;
  const entries = items.map((item) => {
    const fullUrl = JSON.stringify(`${base}/${item.type}/${item.id}`);
    const search = item.mode ? `,"search":${JSON.stringify({ mode: item.mode })}` : '';
    return `{"fullUrl":${fullUrl},"resource":${item.json}${search}}`;
  });
  return `${fields.slice(0, -1)},"entry":[${entries.join(',')}]}`;
}
