import type { IncludeSpec, SearchQuery, SupportedType } from '@passerelle/fhir';
import { referenceKey } from '@passerelle/fhir';
import type { PagePosition } from '../page-token';
import type { HistoryEntry, StoredResource } from '../types';
import { SqlParams } from './params';
import { queryPrepared } from './prepared';
import {
  type Db,
  INNER_ROW_COLUMNS,
  OUTER_ROW_COLUMNS,
  ROW_COLUMNS,
  type ResourceRow,
  toStored,
} from './resource-sql';
import { filterSql, isAnchor, SHARED_DIRECTORY_ROW } from './search-sql';

interface MatchRow extends ResourceRow {
  refs: string[];
}

export interface MatchedResource {
  stored: StoredResource;
  refs: string[];
  /** Its sort keys as text, in a search sorted by parameters (see sorted-sql.ts). */
  sortKeys?: (string | null)[];
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

/** The references of matches, read only when `_include` follows them (a long array to parse per row). */
export const refsOf = (query: SearchQuery): string =>
  query.includes.length > 0 ? 'r.refs' : `'{}'::text[] AS refs`;

/** One page of matches plus one row, so the caller knows whether a next page exists. */
export async function selectMatches(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
): Promise<MatchedResource[]> {
  const p = new SqlParams();
  const where = [...whereOf(query, p), ...keyset(query.sort, position, p, false)];
  const dir = query.sort === 'asc' ? 'ASC' : 'DESC';
  // The page is cut first, then only its rows' content is printed as text (see INNER_ROW_COLUMNS).
  const rows: MatchRow[] = await db.query(
    `SELECT ${OUTER_ROW_COLUMNS}, s.refs FROM (
       SELECT ${INNER_ROW_COLUMNS}, ${refsOf(query)} FROM resource r WHERE ${where.join(' AND ')}
        ORDER BY r.last_updated ${dir}, r.id ${dir} LIMIT ${p.add(query.count + 1)}
     ) s ORDER BY s.last_updated ${dir}, s.id ${dir}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
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

/**
 * Matches without their content, for resolving chains and `_has`: with the references that start
 * with `refPrefix` (what `_has` follows), none without one (a chain needs only the matches).
 */
export async function selectMatchRefs(
  db: Db,
  query: SearchQuery,
  position: PagePosition | undefined,
  refPrefix?: string,
): Promise<MatchedResource[]> {
  const p = new SqlParams();
  const refs =
    refPrefix === undefined
      ? `'{}'::text[]`
      : `ARRAY(SELECT k FROM unnest(r.refs) AS k WHERE starts_with(k, ${p.add(refPrefix)}))`;
  const where = [...whereOf(query, p), ...keyset('asc', position, p, false)];
  const rows: MatchRow[] = await db.query(
    `SELECT ${ROW_COLUMNS.replace('r.content::text AS content', 'NULL AS content')}, ${refs} AS refs FROM resource r
      WHERE ${where.join(' AND ')} ORDER BY r.last_updated, r.id LIMIT ${p.add(query.count + 1)}`,
    p.values,
  );
  return rows.map((row) => ({ stored: toStored(row), refs: row.refs }));
}

/**
 * Matches the caller always sees (those `agency` sent, and those about no patient: the consent
 * check's first rule) counted apart from the rest, which must be decided on one by one.
 */
export async function countAlwaysVisible(
  db: Db,
  query: SearchQuery,
  agency: string,
): Promise<{ shown: number; decided: number }> {
  const p = new SqlParams();
  const where = whereOf(query, p).join(' AND ');
  const always = `(r.source_agency = ${p.add(agency)} OR ${SHARED_DIRECTORY_ROW})`;
  const rows: { shown: string; decided: string }[] = await db.query(
    `SELECT count(*) FILTER (WHERE ${always}) AS shown, count(*) FILTER (WHERE NOT ${always}) AS decided
       FROM resource r WHERE ${where}`,
    p.values,
  );
  return { shown: Number(rows[0].shown), decided: Number(rows[0].decided) };
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
  // Named: its plan (primary-key lookups) is the same whatever the keys, so it is planned once.
  const rows: MatchRow[] = await queryPrepared(
    db,
    'store_select_included',
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
