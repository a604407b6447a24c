import type { IncludeSpec, SearchQuery, SupportedType } from '@passerelle/fhir';
import { referenceKey } from '@passerelle/fhir';
import type { PagePosition } from '../page-token';
import type { HistoryEntry, StoredResource } from '../types';
import { SqlParams } from './params';
import { type Db, ROW_COLUMNS, type ResourceRow, toStored } from './resource-sql';
import { filterSql, isAnchor } from './search-sql';

interface MatchRow extends ResourceRow {
  refs: string[];
}

export interface MatchedResource {
  stored: StoredResource;
  refs: string[];
  /** Position in a search sorted by parameters (offset paging). */
  offset?: number;
}

function whereOf(query: SearchQuery, p: SqlParams): string[] {
  const anchored = query.filters.some(isAnchor);
  return [
    `r.resource_type = ${p.add(query.type)}`,
    'NOT r.deleted',
    ...query.filters.map((f) => filterSql(f, p, anchored)),
  ];
}

function keyset(
  sort: 'asc' | 'desc',
  position: PagePosition | undefined,
  p: SqlParams,
  withType: boolean,
): string[] {
  if (!position) return [];
  const op = sort === 'asc' ? '>' : '<';
  const cols = withType ? '(r.last_updated, r.resource_type, r.id)' : '(r.last_updated, r.id)';
  const vals = withType
    ? `(${p.add(new Date(position.t))}::timestamptz, ${p.add(position.r)}, ${p.add(position.i)})`
    : `(${p.add(new Date(position.t))}::timestamptz, ${p.add(position.i)})`;
  return [`${cols} ${op} ${vals}`];
}

/** One page of matches plus one row, so the caller knows whether a next page exists. */
export async function selectMatches(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
): Promise<MatchedResource[]> {
  const p = new SqlParams();
  const where = [...whereOf(query, p), ...keyset(query.sort, position, p, false)];
  const dir = query.sort === 'asc' ? 'ASC' : 'DESC';
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS}, r.refs FROM resource r WHERE ${where.join(' AND ')}
      ORDER BY r.last_updated ${dir}, r.id ${dir} LIMIT ${p.add(query.count + 1)}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
}

/**
 * One page of matches sorted by `query.sortKeys`, from `offset`, plus one row. Keys are the
 * smallest (or, descending, the largest) value a resource holds; resources without one come last.
 */
export async function selectSortedMatches(
  db: Db,
  query: SearchQuery,
  offset: number,
): Promise<MatchedResource[]> {
  const p = new SqlParams();
  const where = whereOf(query, p);
  const order = (query.sortKeys ?? []).map((key) => {
    const dir = key.descending ? 'DESC' : 'ASC';
    const agg = key.descending ? 'max' : 'min';
    const value = (column: string) =>
      `(SELECT ${agg}(v.${column}) FROM search_value v WHERE v.resource_type = r.resource_type AND v.id = r.id AND v.param = ${p.add(key.param)})`;
    const arrayValue = (array: 'tokens' | 'refs', pattern: string) =>
      `(SELECT ${agg}(k) FROM unnest(r.${array}) k WHERE k LIKE ${p.add(pattern)})`;
    let expression: string;
    switch (key.kind) {
      case 'id':
        expression = 'r.id';
        break;
      case 'lastUpdated':
        expression = 'r.last_updated';
        break;
      case 'string':
        expression = value('str');
        break;
      case 'date':
        expression = key.descending ? value('date_hi') : value('date_lo');
        break;
      case 'number':
      case 'quantity':
        expression = value('num_lo');
        break;
      case 'token':
      case 'uri':
        expression = arrayValue('tokens', `${key.param}|*|%`);
        break;
      case 'reference':
        expression = arrayValue('refs', `${key.param}|%/%`);
        break;
      case 'composite':
        throw new Error('composites are not sortable');
    }
    return `${expression} ${dir} NULLS LAST`;
  });
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS}, r.refs FROM resource r WHERE ${where.join(' AND ')}
      ORDER BY ${[...order, 'r.last_updated', 'r.id'].join(', ')}
      LIMIT ${p.add(query.count + 1)} OFFSET ${p.add(offset)}`,
    p.values,
  );
  return rows.map((row, i) => ({ stored: toStored(row), refs: row.refs, offset: offset + i }));
}

/** Matches without their content, for deciding on each (the consent-filtered total). */
export async function selectMatchFacts(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
): Promise<StoredResource[]> {
  const p = new SqlParams();
  const where = [...whereOf(query, p), ...keyset('asc', position, p, false)];
  const rows: ResourceRow[] = await db.query(
    `SELECT ${ROW_COLUMNS.replace('r.content::text AS content', 'NULL AS content')} FROM resource r
      WHERE ${where.join(' AND ')} ORDER BY r.last_updated, r.id LIMIT ${p.add(query.count + 1)}`,
    p.values,
  );
  return rows.map(toStored);
}

/** Matches without their content but with their references, for resolving `_has`. */
export async function selectMatchRefs(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
): Promise<MatchedResource[]> {
  const p = new SqlParams();
  const where = [...whereOf(query, p), ...keyset('asc', position, p, false)];
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS.replace('r.content::text AS content', 'NULL AS content')}, r.refs FROM resource r
      WHERE ${where.join(' AND ')} ORDER BY r.last_updated, r.id LIMIT ${p.add(query.count + 1)}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
}

export async function countMatches(db: Db, query: SearchQuery): Promise<number> {
  const p = new SqlParams();
  const rows: { n: string }[] = await db.query(
    `SELECT count(*) AS n FROM resource r WHERE ${whereOf(query, p).join(' AND ')}`,
    p.values,
  );
  return Number(rows[0].n);
}

/** Resources of `spec.sourceType` whose `spec.param` points at one of `targets` (_revinclude). */
export async function selectReferencing(
  db: Db,
  spec: IncludeSpec,
  targets: { type: SupportedType; id: string }[],
  limit: number,
): Promise<MatchedResource[]> {
  const keys = targets
    .filter((t) => spec.targetType === undefined || t.type === spec.targetType)
    .map((t) => referenceKey(spec.param.name, `${t.type}/${t.id}`));
  if (keys.length === 0) return [];
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS}, r.refs FROM resource r
      WHERE r.resource_type = $1 AND NOT r.deleted AND r.refs && $2::text[]
      ORDER BY r.last_updated, r.id LIMIT $3`,
    [spec.sourceType, keys, limit],
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
}

/** Current, not deleted rows by (type, id) with their references (_include). */
export async function selectIncluded(
  db: Db,
  keys: { type: string; id: string }[],
): Promise<MatchedResource[]> {
  if (keys.length === 0) return [];
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS}, r.refs FROM resource r
       JOIN unnest($1::text[], $2::text[]) AS k(t, i) ON r.resource_type = k.t AND r.id = k.i
      WHERE NOT r.deleted`,
    [keys.map((k) => k.type), keys.map((k) => k.id)],
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
}

export interface HistoryFilter {
  type?: SupportedType;
  id?: string;
  since?: Date;
  position?: PagePosition;
  count: number;
}

/** Versions newest first, one extra row to tell whether a next page exists. */
export async function selectHistory(db: Db, f: HistoryFilter): Promise<HistoryEntry[]> {
  const p = new SqlParams();
  const where: string[] = [];
  if (f.type) where.push(`r.resource_type = ${p.add(f.type)}`);
  if (f.id) where.push(`r.id = ${p.add(f.id)}`);
  if (f.since) where.push(`r.last_updated >= ${p.add(f.since)}::timestamptz`);
  if (f.position) {
    where.push(
      `(r.last_updated, r.resource_type, r.id, r.version_id) < (${p.add(new Date(f.position.t))}::timestamptz, ${p.add(f.position.r)}, ${p.add(f.position.i)}, ${p.add(f.position.v ?? 0)})`,
    );
  }
  const rows: (ResourceRow & { method: HistoryEntry['method'] })[] = await db.query(
    `SELECT ${ROW_COLUMNS}, r.method FROM resource_version r
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY r.last_updated DESC, r.resource_type DESC, r.id DESC, r.version_id DESC LIMIT ${p.add(f.count + 1)}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), method: row.method }));
}

/** The compartments of the given Patient records (themselves included), oldest first, one extra row. */
export async function selectCompartment(
  db: Db,
  patientIds: readonly string[],
  position: PagePosition | undefined,
  count: number,
  types?: readonly SupportedType[],
): Promise<StoredResource[]> {
  const p = new SqlParams();
  const ids = p.add(patientIds);
  const where = [
    // Its patient of record, or one of the others its compartment parameters name (a Group member).
    `(r.patient_id = ANY(${ids}::text[]) OR r.other_patients && ${ids}::text[])`,
    'NOT r.deleted',
    ...keyset('asc', position, p, true),
  ];
  if (types) where.push(`r.resource_type = ANY(${p.add(types)}::text[])`);
  const rows: ResourceRow[] = await db.query(
    `SELECT ${ROW_COLUMNS} FROM resource r WHERE ${where.join(' AND ')}
      ORDER BY r.last_updated, r.resource_type, r.id LIMIT ${p.add(count + 1)}`,
    p.values,
  );
  return rows.map(toStored);
}
