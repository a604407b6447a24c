import { badRequest, referenceKey, type SearchFilter, type SearchQuery } from '@passerelle/fhir';
import { type Visibility } from './paging';
import { selectMatchRefs } from './sql/query-sql';
import type { Db } from './sql/resource-sql';
import type { StoredResource } from './types';

/**
 * Chained parameters and `_has`, made safe under consent: the inner search runs first, through the
 * same `visible` check as the results, and the outer query then matches only the ids of what the
 * caller may see. A chain never matches through a resource the caller may not see, so it cannot be
 * used to learn anything about one.
 */

/** Visible inner matches past this many: the criterion is too broad to resolve, and a 400 says so. */
export const CHAIN_LIMIT = 1_000;
const BATCH = 500;

interface InnerMatch {
  stored: StoredResource;
  refs: string[];
}

/** Every visible match of `query`'s filters (chains inside resolved first), at most CHAIN_LIMIT. */
async function visibleMatches(
  db: Db,
  query: SearchQuery,
  visible: Visibility<StoredResource>,
  label: string,
  refPrefix?: string,
): Promise<InnerMatch[]> {
  const resolved = await resolveChains(db, query, visible);
  const out: InnerMatch[] = [];
  let position: { t: number; r: string; i: string } | undefined;
  for (;;) {
    const rows = await selectMatchRefs(db, { ...resolved, count: BATCH }, position, refPrefix);
    const batch = rows.slice(0, BATCH);
    const flags = await visible(batch.map((m) => m.stored));
    batch.forEach((m, i) => {
      if (flags[i]) out.push(m);
    });
    if (out.length > CHAIN_LIMIT)
      throw badRequest(`Search parameter ${label} matches more than ${CHAIN_LIMIT} resources: narrow it`);
    if (rows.length <= BATCH) return out;
    const last = batch[batch.length - 1].stored;
    position = { t: last.lastUpdated.getTime(), r: last.type, i: last.id };
  }
}

function innerQuery(type: SearchQuery['type'], filters: SearchFilter[]): SearchQuery {
  return {
    type,
    filters,
    count: BATCH,
    sort: 'asc',
    includes: [],
    revIncludes: [],
    summaryCount: false,
    echo: [],
  };
}

/** Levels of a hierarchy followed at most (a Location within a building within a site ...). */
const HIERARCHY_DEPTH = 16;

/**
 * The roots of `:above`/`:below` and, level by level, the resources of the hierarchy above or
 * below them that the caller may see: a level is reached only through visible resources.
 */
async function hierarchyMembers(
  db: Db,
  f: Extract<SearchFilter, { kind: 'hierarchy' }>,
  visible: Visibility<StoredResource>,
): Promise<string[]> {
  const members = new Set(f.roots);
  let frontier = [...f.roots];
  const viaPrefix = referenceKey(f.via, `${f.targetType}/`);
  for (let depth = 0; depth < HIERARCHY_DEPTH && frontier.length > 0; depth++) {
    const next: string[] = [];
    const label = `${f.param}:${f.direction}`;
    if (f.direction === 'below') {
      const filter: SearchFilter = { kind: 'reference', keys: frontier.map((m) => referenceKey(f.via, m)) };
      for (const m of await visibleMatches(db, innerQuery(f.targetType, [filter]), visible, label))
        next.push(`${m.stored.type}/${m.stored.id}`);
    } else {
      const ids = frontier.map((m) => m.slice(f.targetType.length + 1));
      for (const m of await visibleMatches(
        db,
        innerQuery(f.targetType, [{ kind: 'id', ids }]),
        visible,
        label,
        viaPrefix, // the references up the hierarchy: the only ones followed
      ))
        for (const ref of m.refs)
          if (ref.startsWith(viaPrefix)) next.push(ref.slice(viaPrefix.length - f.targetType.length - 1));
    }
    frontier = next.filter((m) => !members.has(m));
    for (const m of frontier) members.add(m);
    if (members.size > CHAIN_LIMIT)
      throw badRequest(`Search parameter ${label} reaches more than ${CHAIN_LIMIT} resources: narrow it`);
  }
  return [...members];
}

const unresolved = (f: SearchFilter) => f.kind === 'chain' || f.kind === 'has' || f.kind === 'hierarchy';

/** Outer matches past this many: `_has` is resolved over every resource its inner criteria match. */
export const HAS_CANDIDATES = 100;

/**
 * The ids of the resources that `query`'s own criteria (not its chains nor `_has`) match, when
 * there are such criteria and at most HAS_CANDIDATES matches; else undefined. They only narrow
 * what `_has` reads: a `_has` id outside them is dropped by those criteria anyway, so the answer
 * is the same, and what `_has` follows is still only what the caller may see.
 */
async function hasCandidates(db: Db, query: SearchQuery): Promise<string[] | undefined> {
  const own = query.filters.filter((f) => !unresolved(f));
  if (own.length === 0 || !query.filters.some((f) => f.kind === 'has')) return undefined;
  const rows = await selectMatchRefs(
    db,
    { ...innerQuery(query.type, own), count: HAS_CANDIDATES },
    undefined,
  );
  return rows.length > HAS_CANDIDATES ? undefined : rows.map((m) => m.stored.id);
}

/** `query` with its chain and `_has` criteria replaced by the reference and id criteria they resolve to. */
export async function resolveChains(
  db: Db,
  query: SearchQuery,
  visible: Visibility<StoredResource>,
): Promise<SearchQuery> {
  if (!query.filters.some(unresolved)) return query;
  // `Patient?_has:Condition:patient:code=X&birthdate=Y`: the few Patients born on Y narrow the
  // Conditions read to theirs, instead of every Condition coded X (and a consent decision on each).
  const candidates = await hasCandidates(db, query);
  const filters: SearchFilter[] = [];
  for (const f of query.filters) {
    if (f.kind === 'chain') {
      const keys: string[] = [];
      for (const type of f.targetTypes) {
        for (const m of await visibleMatches(
          db,
          innerQuery(type, f.inner),
          visible,
          `${f.param} (chained)`,
        )) {
          keys.push(referenceKey(f.param, `${m.stored.type}/${m.stored.id}`));
        }
      }
      filters.push({ kind: 'reference', keys });
    } else if (f.kind === 'has') {
      const prefix = referenceKey(f.param, `${query.type}/`);
      const ids = new Set<string>();
      const narrowed: SearchFilter[] =
        candidates === undefined
          ? f.inner
          : [...f.inner, { kind: 'reference', keys: candidates.map((id) => `${prefix}${id}`) }];
      for (const m of await visibleMatches(
        db,
        innerQuery(f.sourceType, narrowed),
        visible,
        `_has:${f.sourceType}`,
        prefix,
      )) {
        for (const ref of m.refs) if (ref.startsWith(prefix)) ids.add(ref.slice(prefix.length));
      }
      filters.push({ kind: 'id', ids: [...ids] });
    } else if (f.kind === 'hierarchy') {
      const members = await hierarchyMembers(db, f, visible);
      filters.push({ kind: 'reference', keys: members.map((m) => referenceKey(f.param, m)) });
    } else {
      filters.push(f);
    }
  }
  return { ...query, filters };
}
