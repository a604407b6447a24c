import type { Meta, Resource } from 'fhir/r4';
import { canonicalJson } from '@passerelle/fhir';

/** The content a client controls: everything but the id and the server-assigned meta elements. */
function clientContent(resource: Resource): unknown {
  const { meta, id: _id, ...rest } = resource;
  if (!meta) return rest;
  const { versionId: _v, lastUpdated: _l, source: _s, ...clientMeta } = meta;
  return Object.keys(clientMeta).length > 0 ? { ...rest, meta: clientMeta } : rest;
}

export function sameClientContent<T extends Resource>(a: T, b: T): boolean {
  return canonicalJson(clientContent(a)) === canonicalJson(clientContent(b));
}

/** The server's part of meta: version, time and, unless the client named one, the source agency. */
export function withServerMeta<T extends Resource>(
  resource: T,
  id: string,
  versionId: number,
  lastUpdated: Date,
  agency: string,
): T {
  const meta: Meta = {
    ...resource.meta,
    versionId: String(versionId),
    lastUpdated: lastUpdated.toISOString(),
    source: resource.meta?.source ?? `urn:passerelle:agency:${agency}`,
  };
  return { ...resource, id, meta };
}
