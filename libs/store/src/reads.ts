import { badRequest, notFound, type SearchQuery, type SupportedType } from '@passerelle/fhir';
import { resolveChains } from './chains';
import { addIncludes } from './includes';
import { decodePageToken, encodePageToken, type PagePosition } from './page-token';
import { ALL_VISIBLE, examinationBound, fillPage, type Visibility } from './paging';
import {
  countAlwaysVisible,
  countMatches,
  type MatchedResource,
  selectCompartment,
  selectHistory,
  selectMatchFacts,
  selectMatches,
} from './sql/query-sql';
import { selectSortedMatches } from './sql/sorted-sql';
import { type Db } from './sql/resource-sql';
import type { HistoryEntry, HistoryPage, SearchEntry, SearchPage, StoredResource } from './types';

/**
 * The pages FhirRepository answers searches, history and `$everything` with: keyset pages
 * filled past what `visible` (the consent check) hides, so that a caller never gets an empty
 * page while more it may see follows, nor a total that counts what it may not see.
 */

const TOTAL_BATCH = 1_000;

export interface HistoryFilter {
  type?: SupportedType;
  id?: string;
  since?: string;
  count?: number;
  pageToken?: string;
}

/** One page of matches with their `_include`s and `_revinclude`s (at most `maxCount` each). */
export async function searchPage(
  db: Db,
  searched: SearchQuery,
  visible: Visibility<StoredResource>,
  maxCount: number,
  alwaysVisible?: { sourceAgency: string },
): Promise<SearchPage> {
  const query = await resolveChains(db, searched, visible);
  // Counting what a caller may see means deciding on every match: the page and its total share
  // one examination bound, and the total is left out when the matches do not fit in what is left.
  // When every match is one the caller always sees (its own, or about no patient), one count does.
  const bound = examinationBound(query.count);
  const total = async (left: number) => {
    if (visible === ALL_VISIBLE) return countMatches(db, query);
    if (alwaysVisible) {
      const { shown, decided } = await countAlwaysVisible(db, query, alwaysVisible.sourceAgency);
      if (decided === 0) return shown;
    }
    return countVisible(db, query, visible, left);
  };
  if (query.summaryCount) return { entries: [], total: await total(bound), hidden: [] };
  // Sorted by parameters: a keyset over the computed keys, carried in the page token.
  const sorted = query.sortKeys !== undefined;
  const filled = await fillPage<MatchedResource>(
    (position, n) =>
      sorted
        ? selectSortedMatches(db, { ...query, count: n }, position)
        : selectMatches(db, { ...query, count: n }, position),
    (m) => ({
      t: m.stored.lastUpdated.getTime(),
      r: m.stored.type,
      i: m.stored.id,
      ...(sorted && { k: m.sortKeys }),
    }),
    (rows) => visible(rows.map((m) => m.stored)),
    query.count,
    query.pageToken ? decodePageToken(query.pageToken) : undefined,
    bound,
  );
  const page = filled.page;
  const entries: SearchEntry[] = page.map((m) => ({ stored: m.stored, mode: 'match' }));
  const hidden = filled.hidden.map((m) => m.stored);
  await addIncludes(db, query, page, visible, maxCount, entries, hidden);
  // `_total=none`: no count at all. A first page that holds every visible match tells the total
  // without a count; a first page with more to come counts; a later page counts only when
  // `_total` asks for it. `_total=estimate` is answered as `accurate`: see docs/search.md (an
  // estimate of the matches before the consent check would tell a caller about what it may not see).
  const first = query.pageToken === undefined;
  let counted: number | undefined;
  if (query.skipTotal || filled.partial) counted = undefined;
  else if (first && !filled.next) counted = page.length;
  else if (first || query.countTotal) counted = await total(bound - filled.examined);
  return {
    entries,
    total: counted,
    nextPageToken: filled.next ? encodePageToken(filled.next) : undefined,
    hidden,
  };
}

/** The total after the consent check, or undefined when there are more than `limit` matches to decide on. */
async function countVisible(
  db: Db,
  query: SearchQuery,
  visible: Visibility<StoredResource>,
  limit: number,
): Promise<number | undefined> {
  let position: PagePosition | undefined;
  let total = 0;
  for (let left = limit; left > 0; left -= TOTAL_BATCH) {
    const n = Math.min(TOTAL_BATCH, left);
    // n + 1 rows: the last one only says whether more follow; it is not decided on.
    const rows = await selectMatchFacts(db, { ...query, count: n }, position);
    const batch = rows.slice(0, n);
    total += (await visible(batch)).filter(Boolean).length;
    if (rows.length <= n) return total;
    const last = batch[batch.length - 1];
    position = { t: last.lastUpdated.getTime(), r: last.type, i: last.id };
  }
  return undefined;
}

/** A page of versions, newest first; a resource none of whose versions the caller may see is 404. */
export async function historyPage(
  db: Db,
  filter: HistoryFilter,
  count: number,
  visible: Visibility<StoredResource>,
): Promise<HistoryPage> {
  let since: Date | undefined;
  if (filter.since !== undefined) {
    since = new Date(filter.since);
    if (Number.isNaN(since.getTime())) throw badRequest('_since must be an instant');
  }
  const start = filter.pageToken ? decodePageToken(filter.pageToken) : undefined;
  const filled = await fillPage<HistoryEntry>(
    (position, n) => selectHistory(db, { type: filter.type, id: filter.id, since, position, count: n }),
    (e) => ({ t: e.stored.lastUpdated.getTime(), r: e.stored.type, i: e.stored.id, v: e.stored.versionId }),
    (rows) => visible(rows.map((e) => e.stored)),
    count,
    start,
  );
  // A resource with no version the caller may see is as absent as one never written.
  if (filter.id !== undefined && filled.page.length === 0 && !start) throw notFound();
  return {
    entries: filled.page,
    nextPageToken: filled.next ? encodePageToken(filled.next) : undefined,
    hidden: filled.hidden.map((e) => e.stored),
  };
}

/** A page of the current resources in the compartments of `patientIds`. */
export async function compartmentPage(
  db: Db,
  patientIds: readonly string[],
  options: { count: number; pageToken?: string; types?: readonly SupportedType[] },
  visible: Visibility<StoredResource>,
): Promise<SearchPage> {
  const filled = await fillPage<StoredResource>(
    (position, n) => selectCompartment(db, patientIds, position, n, options.types),
    (row) => ({ t: row.lastUpdated.getTime(), r: row.type, i: row.id }),
    visible,
    options.count,
    options.pageToken ? decodePageToken(options.pageToken) : undefined,
  );
  return {
    entries: filled.page.map((stored) => ({ stored, mode: 'match' })),
    nextPageToken: filled.next ? encodePageToken(filled.next) : undefined,
    hidden: filled.hidden,
  };
}
