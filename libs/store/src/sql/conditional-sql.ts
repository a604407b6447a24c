import type { SearchFilter } from '@passerelle/fhir';
import { SqlParams } from './params';
import type { Db } from './resource-sql';
import { filterSql } from './search-sql';

/** What deciding a conditional match needs of a row: who it is and its token keys, never its content. */
export interface TokenCandidate {
  type: string;
  id: string;
  versionId: number;
  lastUpdated: Date;
  tokens: string[];
}

/**
 * Keys per branch of the candidates query. The planner prices a GIN scan by the number of keys: with
 * a hundred in one array it prefers scanning every row of the type and testing each row's tokens
 * against each key (tens of ms, growing with the table), with a few it uses the index.
 */
const KEYS_PER_BRANCH = 8;

/**
 * Current, not deleted rows of `type` holding any of `keys`, within `provenance`: the candidates of
 * many conditional criteria at once (the caller matches each criteria in memory), in one
 * statement. Each row once; undefined past `limit` rows (some criteria match far too much).
 */
export async function selectTokenCandidates(
  db: Db,
  type: string,
  keys: readonly string[],
  provenance: Extract<SearchFilter, { kind: 'provenance' }>,
  limit: number,
): Promise<TokenCandidate[] | undefined> {
  if (keys.length === 0) return [];
  const p = new SqlParams();
  const typeParam = p.add(type);
  const scope = filterSql(provenance, p);
  const branches: string[] = [];
  for (let i = 0; i < keys.length; i += KEYS_PER_BRANCH) {
    branches.push(
      `SELECT r.id, r.version_id, r.last_updated, r.tokens FROM resource r
        WHERE r.resource_type = ${typeParam} AND NOT r.deleted AND ${scope}
          AND r.tokens && ${p.add(keys.slice(i, i + KEYS_PER_BRANCH))}::text[]`,
    );
  }
  const rows: { id: string; version_id: number; last_updated: Date; tokens: string[] }[] = await db.query(
    `${branches.map((b) => `(${b})`).join(' UNION ALL ')} LIMIT ${p.add(limit + 1)}`,
    p.values,
  );
  if (rows.length > limit) return undefined;
  // A row holding keys of two branches comes twice.
  const seen = new Set<string>();
  const out: TokenCandidate[] = [];
  for (const r of rows) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    out.push({ type, id: r.id, versionId: r.version_id, lastUpdated: r.last_updated, tokens: r.tokens });
  }
  return out;
}
