import { badRequest, type SearchQuery, type SortKey } from '@passerelle/fhir';
import type { PagePosition } from '../page-token';
import { SqlParams } from './params';
import { type Db, INNER_ROW_COLUMNS, OUTER_ROW_COLUMNS, type ResourceRow, toStored } from './resource-sql';
import { type MatchedResource, refsOf } from './query-sql';
import { filterSql, isAnchor } from './search-sql';

/**
 * Searches sorted by parameters (`_sort=family,-birthdate`), paged by keyset: each page starts
 * after the sort keys of the last row of the page before (carried in the page token), then its
 * last update and id, so a page never repeats nor skips a match when matches are added or removed
 * meanwhile, and ties (two Dupont) keep one order across pages. A resource's key is its smallest
 * value of the parameter, or its largest when descending; resources without one come last.
 */

interface SortedRow extends ResourceRow {
  refs: string[];
  /** The sort keys as text, for the next page's token. */
  keys: (string | null)[];
}

/** SQL type of each kind's key: comparisons must be in the key's own order, not as text. */
const SQL_TYPE: Record<SortKey['kind'], string> = {
  id: 'text',
  lastUpdated: 'timestamptz',
  string: 'text',
  date: 'timestamptz',
  number: 'numeric',
  quantity: 'numeric',
  token: 'text',
  uri: 'text',
  reference: 'text',
  composite: 'text',
};

/** What a key's text must look like: a token of another query is refused, never half-applied. */
const KEY_FORM: Partial<Record<SortKey['kind'], RegExp>> = {
  lastUpdated: /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/,
  date: /^(-?\d{4,}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})|-?infinity)$/,
  number: /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i,
  quantity: /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i,
};

function keyExpression(key: SortKey, p: SqlParams): string {
  const agg = key.descending ? 'max' : 'min';
  const value = (column: string) =>
    `(SELECT ${agg}(v.${column}) FROM search_value v WHERE v.resource_type = r.resource_type AND v.id = r.id AND v.param = ${p.add(key.param)})`;
  const arrayValue = (array: 'tokens' | 'refs', pattern: string) =>
    `(SELECT ${agg}(k) FROM unnest(r.${array}) k WHERE k LIKE ${p.add(pattern)})`;
  switch (key.kind) {
    case 'id':
      return 'r.id';
    case 'lastUpdated':
      return 'r.last_updated';
    case 'string':
      return value('str');
    case 'date':
      return key.descending ? value('date_hi') : value('date_lo');
    case 'number':
    case 'quantity':
      return value('num_lo');
    case 'token':
    case 'uri':
      return arrayValue('tokens', `${key.param}|*|%`);
    case 'reference':
      return arrayValue('refs', `${key.param}|%/%`);
    case 'composite':
      throw new Error('composites are not sortable');
  }
}

/** The sort keys of `query`, then last update and id (unique): a total order. */
export function sortKeysOf(query: SearchQuery): SortKey[] {
  return [
    ...(query.sortKeys ?? []),
    { param: '_lastUpdated', kind: 'lastUpdated', descending: false },
    { param: '_id', kind: 'id', descending: false },
  ];
}

/**
 * Rows strictly after `values` in the order of `keys` (NULLS LAST both ways): the first key
 * after its value, or equal and the second after, and so on.
 */
function keysetSql(keys: readonly SortKey[], values: readonly (string | null)[], p: SqlParams): string {
  const column = (i: number) => `s.k${i}`;
  const param = (i: number) => `${p.add(values[i])}::${SQL_TYPE[keys[i].kind]}`;
  const equal = (i: number) => (values[i] === null ? `${column(i)} IS NULL` : `${column(i)} = ${param(i)}`);
  const after = (i: number) =>
    values[i] === null
      ? 'false'
      : `(${column(i)} ${keys[i].descending ? '<' : '>'} ${param(i)} OR ${column(i)} IS NULL)`;
  const ors = keys.map((_, i) => [...keys.slice(0, i).map((__, j) => equal(j)), after(i)].join(' AND '));
  return `(${ors.join(' OR ')})`;
}

/** The keys a page token carries, checked against the query's sort (else the token is not this query's). */
function checkedKeys(keys: readonly SortKey[], position: PagePosition): (string | null)[] {
  const values = position.k;
  if (!Array.isArray(values) || values.length !== keys.length) throw badRequest('Invalid _page token');
  values.forEach((v, i) => {
    const form = KEY_FORM[keys[i].kind];
    if (v === null ? i >= keys.length - 2 : typeof v !== 'string' || (form !== undefined && !form.test(v)))
      throw badRequest('Invalid _page token');
  });
  return values;
}

/** One page of matches sorted by `query.sortKeys`, after `position`, plus one row. */
export async function selectSortedMatches(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
): Promise<MatchedResource[]> {
  const keys = sortKeysOf(query);
  const p = new SqlParams();
  const anchored = query.filters.some(isAnchor);
  const where = [
    `r.resource_type = ${p.add(query.type)}`,
    'NOT r.deleted',
    ...query.filters.map((f) => filterSql(f, p, anchored)),
  ];
  const expressions = keys.map((k) => keyExpression(k, p));
  const outer = position ? `WHERE ${keysetSql(keys, checkedKeys(keys, position), p)}` : '';
  // Keys as JSON text: timestamps in ISO 8601 with their offset, numbers in full.
  const asText = keys.map((_, i) => `to_json(s.k${i}) #>> '{}'`).join(', ');
  const order = keys.map((k, i) => `s.k${i} ${k.descending ? 'DESC' : 'ASC'} NULLS LAST`).join(', ');
  // The page is cut first, then only its rows' content is printed as text (see INNER_ROW_COLUMNS).
  const rows: SortedRow[] = await db.query(
    `SELECT ${OUTER_ROW_COLUMNS}, s.refs, s.keys FROM (
       SELECT s.*, ARRAY[${asText}] AS keys FROM (
         SELECT ${INNER_ROW_COLUMNS}, ${refsOf(query)}, ${expressions.map((e, i) => `${e} AS k${i}`).join(', ')}
           FROM resource r WHERE ${where.join(' AND ')} OFFSET 0
       ) s ${outer}
       ORDER BY ${order} LIMIT ${p.add(query.count + 1)}
     ) s ORDER BY ${order}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs, sortKeys: row.keys }));
}
