import type { Resource } from 'fhir/r4';
import { isSupportedType, SEARCH_PARAMS, type SupportedType } from '@passerelle/fhir';

/**
 * Queries for the result features the differential test compares beyond plain criteria:
 * `:missing` on every parameter of the types the records hold (both ways), and `_sort` on date
 * and string parameters, ascending and descending, compared in order. Parameters on `meta`
 * (`_tag`, `_source` ...) are left out: the hub writes `meta` itself (its provenance), Medplum's
 * copy does not have it.
 */
export interface FeatureQuery {
  type: SupportedType;
  params: [string, string][];
  kind: 'missing' | 'sort';
}

export function featureQueries(resources: readonly Resource[]): FeatureQuery[] {
  const types = [...new Set(resources.map((r) => r.resourceType))].filter(isSupportedType).sort();
  const out: FeatureQuery[] = [];
  for (const type of types) {
    for (const def of SEARCH_PARAMS[type]) {
      if (def.name.startsWith('_') || def.kind === 'composite') continue;
      for (const missing of ['true', 'false'])
        out.push({ type, params: [[`${def.name}:missing`, missing]], kind: 'missing' });
      if (def.kind === 'date' || def.kind === 'string') {
        // Only resources with a value: where those without one go is left to servers.
        for (const sort of [def.name, `-${def.name}`])
          out.push({
            type,
            params: [
              [`${def.name}:missing`, 'false'],
              ['_sort', sort],
            ],
            kind: 'sort',
          });
      }
    }
  }
  return out;
}
