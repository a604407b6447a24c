import type { IncludeSpec, SearchQuery } from '@passerelle/fhir';
import type { Visibility } from './paging';
import { type MatchedResource, selectIncluded, selectReferencing } from './sql/query-sql';
import type { Db } from './sql/resource-sql';
import type { SearchEntry, StoredResource } from './types';

/** `:iterate` follows references from what was included this many times at most. */
const MAX_ITERATIONS = 4;

const keyOf = (s: StoredResource) => `${s.type}/${s.id}`;

function includeKeys(spec: IncludeSpec, sources: readonly MatchedResource[]): { type: string; id: string }[] {
  const prefix = `${spec.param.name}|`;
  return sources
    .filter((m) => m.stored.type === spec.sourceType)
    .flatMap((m) =>
      m.refs
        .filter((r) => r.startsWith(prefix) && r.includes('/'))
        .map((r) => r.slice(prefix.length).split('/'))
        .filter(([type]) => spec.targetType === undefined || type === spec.targetType)
        .map(([type, id]) => ({ type, id })),
    );
}

/**
 * `_include` and `_revinclude` of a page (at most `maxCount` per parameter), then, for those
 * marked `:iterate`, again from what the previous round brought in. Each included resource goes
 * through `visible` first: what the caller may not see is left out and recorded as hidden.
 */
export async function addIncludes(
  db: Db,
  query: SearchQuery,
  page: readonly MatchedResource[],
  visible: Visibility<StoredResource>,
  maxCount: number,
  entries: SearchEntry[],
  hidden: StoredResource[],
): Promise<void> {
  const seen = new Set(entries.map((e) => keyOf(e.stored)));
  let sources: readonly MatchedResource[] = page;
  for (let round = 0; round <= MAX_ITERATIONS && sources.length > 0; round++) {
    const includes = round === 0 ? query.includes : query.includes.filter((s) => s.iterate);
    const revIncludes = round === 0 ? query.revIncludes : query.revIncludes.filter((s) => s.iterate);
    const found: MatchedResource[] = [];
    for (const spec of includes) found.push(...(await selectIncluded(db, includeKeys(spec, sources))));
    for (const spec of revIncludes) {
      const targets = sources.map((m) => ({ type: m.stored.type, id: m.stored.id }));
      found.push(...(await selectReferencing(db, spec, targets, maxCount)));
    }
    const fresh = found.filter((m) => {
      if (seen.has(keyOf(m.stored))) return false;
      seen.add(keyOf(m.stored));
      return true;
    });
    const flags = await visible(fresh.map((m) => m.stored));
    const added: MatchedResource[] = [];
    fresh.forEach((m, i) => {
      if (flags[i]) {
        entries.push({ stored: m.stored, mode: 'include' });
        added.push(m);
      } else {
        hidden.push(m.stored);
      }
    });
    sources = added;
  }
}
