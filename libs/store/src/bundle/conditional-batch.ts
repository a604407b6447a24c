import type { SearchFilter, SearchQuery, SupportedType } from '@passerelle/fhir';
import type { FhirRepository } from '../fhir-repository';
import { selectTokenCandidates } from '../sql/conditional-sql';
import type { Db } from '../sql/resource-sql';
import type { StoredResource } from '../types';

/** What a Bundle needs of a stored match: who it is (reference rewriting, the entry's answer). */
export type MatchFacts = Pick<StoredResource, 'type' | 'id' | 'versionId' | 'lastUpdated'>;

type Provenance = Extract<SearchFilter, { kind: 'provenance' }>;
type TokenFilter = Extract<SearchFilter, { kind: 'token' }>;

/** The token filters and the provenance scope of a query, when they are all it has. */
function tokenCriteria(query: SearchQuery): { tokens: TokenFilter[]; provenance: Provenance } | undefined {
  const tokens: TokenFilter[] = [];
  let provenance: Provenance | undefined;
  for (const f of query.filters) {
    if (f.kind === 'token' && !f.not) tokens.push(f);
    else if (f.kind === 'provenance' && provenance === undefined) provenance = f;
    else return undefined;
  }
  return provenance && tokens.length > 0 ? { tokens, provenance } : undefined;
}

interface Group {
  type: SupportedType;
  provenance: Provenance;
  members: { index: number; tokens: TokenFilter[] }[];
}

/**
 * The stored matches of many conditional criteria (each query carrying its provenance scope).
 * Criteria made of token filters only (`identifier=system|value`, what connectors send) are
 * answered by one query per type and scope and matched in memory, with the SQL a search runs
 * (`tokens && keys` per filter, all filters); other criteria by their own search. A list may stop
 * at two: enough to tell none, one and several apart.
 */
export async function matchAll(
  repo: FhirRepository,
  db: Db,
  queries: readonly SearchQuery[],
): Promise<MatchFacts[][]> {
  const out: MatchFacts[][] = queries.map(() => []);
  const groups = new Map<string, Group>();
  const alone: number[] = [];
  queries.forEach((query, index) => {
    const criteria = tokenCriteria(query);
    if (!criteria) {
      alone.push(index);
      return;
    }
    const key = JSON.stringify([query.type, criteria.provenance]);
    const group = groups.get(key) ?? { type: query.type, provenance: criteria.provenance, members: [] };
    group.members.push({ index, tokens: criteria.tokens });
    groups.set(key, group);
  });
  for (const group of groups.values()) {
    const keys = [...new Set(group.members.flatMap((m) => m.tokens.flatMap((f) => f.keys)))];
    // Every row matches some criteria's keys; past two per criteria, some criteria matches
    // several or only in part: those criteria are asked one by one rather than read in bulk.
    const limit = 2 * group.members.length;
    const rows = await selectTokenCandidates(db, group.type, keys, group.provenance, limit);
    if (rows === undefined) {
      alone.push(...group.members.map((m) => m.index));
      continue;
    }
    const held = rows.map((row) => ({ row, tokens: new Set(row.tokens) }));
    for (const m of group.members) {
      out[m.index] = held
        .filter((h) => m.tokens.every((f) => f.keys.some((k) => h.tokens.has(k))))
        .map(({ row }) => ({
          type: group.type,
          id: row.id,
          versionId: row.versionId,
          lastUpdated: row.lastUpdated,
        }));
    }
  }
  for (const index of alone) {
    // Internal: conditional criteria carry the writer's own provenance filter (conditionalQuery).
    const page = await repo.internal.search(
      { ...queries[index], count: 2, includes: [], revIncludes: [], summaryCount: false, skipTotal: true },
      db,
    );
    out[index] = page.entries.filter((e) => e.mode === 'match').map((e) => e.stored);
  }
  return out;
}
