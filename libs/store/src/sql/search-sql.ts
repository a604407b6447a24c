import {
  type DateCondition,
  normalizeString,
  SENDER_ONLY_TYPES,
  type NumberCondition,
  type SearchFilter,
  toSqlTimestamp,
  type ValueCondition,
} from '@passerelle/fhir';
import { tokenPrefixSql } from './modifier-sql';
import { fullTextSql } from './fulltext-sql';
import { nearSql } from './near-sql';
import type { SqlParams } from './params';

/**
 * A row every agency sees without a consent decision: about no patient, and of no sender-only
 * type (SENDER_ONLY_TYPES) — the SQL twin of the consent check's rule 0 ("directory data").
 */
export const SHARED_DIRECTORY_ROW = `(r.patient_id IS NULL AND r.resource_type NOT IN (${SENDER_ONLY_TYPES.map(
  (t) => `'${t}'`,
).join(', ')}))`;

/**
 * SQL for search criteria over the `resource` row aliased `r`. Tokens, uris and references are
 * GIN array overlaps; strings, dates, numbers, quantities and composites are EXISTS over the
 * `search_value` rows of the parameter (indexed by type, parameter and value).
 */

/** A stored range [lo, hi) against a searched range [qlo, qhi), per FHIR's prefixes. */
function rangeSql(
  prefix: DateCondition['prefix'],
  lo: string,
  hi: string,
  qlo: () => string,
  qhi: () => string,
): string {
  switch (prefix) {
    case 'eq':
      return `(${lo} >= ${qlo()} AND ${hi} <= ${qhi()})`;
    case 'ne':
      return `NOT (${lo} >= ${qlo()} AND ${hi} <= ${qhi()})`;
    case 'gt':
      return `${hi} > ${qhi()}`;
    case 'lt':
      return `${lo} < ${qlo()}`;
    case 'ge':
      return `${hi} > ${qlo()}`;
    case 'le':
      return `${lo} < ${qhi()}`;
    case 'sa':
      return `${lo} >= ${qhi()}`;
    case 'eb':
      return `${hi} <= ${qlo()}`;
    case 'ap':
      return `(${lo} < ${qhi()} AND ${hi} > ${qlo()})`;
  }
}

/** `ap`: the searched range widened by 10% of its distance to now (at least a day). */
function approximate(lo: number, hi: number): { lo: number; hi: number } {
  const now = Date.now();
  const gap = Math.max(Math.abs(now - lo), Math.abs(now - hi)) * 0.1;
  const widen = Math.max(gap, 86_400_000);
  return { lo: lo - widen, hi: hi + widen };
}

function dateSql(c: DateCondition, lo: string, hi: string, p: SqlParams): string {
  const range = c.prefix === 'ap' ? approximate(c.range.lo, c.range.hi) : c.range;
  // Parameters are added only when used: PostgreSQL refuses a parameter it cannot type.
  const qlo = () => `${p.add(toSqlTimestamp(range.lo))}::timestamptz`;
  const qhi = () => `${p.add(toSqlTimestamp(range.hi))}::timestamptz`;
  return rangeSql(c.prefix, lo, hi, qlo, qhi);
}

function numberSql(c: NumberCondition, p: SqlParams): string {
  const { value } = c.value;
  let { lo, hi } = c.value;
  // gt/lt/ge/le compare with the value itself; eq/ne/ap use its implied precision.
  if (['gt', 'lt', 'ge', 'le', 'sa', 'eb'].includes(c.prefix)) lo = hi = value;
  if (c.prefix === 'ap') {
    lo = value - Math.abs(value) * 0.1;
    hi = value + Math.abs(value) * 0.1;
  }
  const qlo = () => `${p.add(lo)}::numeric`;
  const qhi = () => `${p.add(hi)}::numeric`;
  let sql: string;
  switch (c.prefix) {
    case 'ge':
      sql = `v.num_hi >= ${qlo()}`;
      break;
    case 'le':
      sql = `v.num_lo <= ${qhi()}`;
      break;
    case 'eq':
      sql = `(v.num_lo >= ${qlo()} AND v.num_hi < ${qhi()})`;
      break;
    case 'ne':
      sql = `NOT (v.num_lo >= ${qlo()} AND v.num_hi < ${qhi()})`;
      break;
    case 'gt':
    case 'lt':
    case 'sa':
    case 'eb':
    case 'ap':
      sql = rangeSql(c.prefix, 'v.num_lo', 'v.num_hi', qlo, qhi);
  }
  const unit: string[] = [];
  if (c.code !== undefined) unit.push(`v.str = ${p.add(c.code)}`);
  if (c.system !== undefined) unit.push(`v.exact = ${p.add(c.system)}`);
  return [sql, ...unit].join(' AND ');
}

function valueConditionSql(c: ValueCondition, p: SqlParams): string {
  switch (c.kind) {
    case 'string':
      switch (c.match) {
        case 'exact':
          // The normalized form is implied (str is normalizeString(exact)) and indexed; exact is not.
          return `(v.str = ${p.add(normalizeString(c.value))} AND v.exact = ${p.add(c.value)})`;
        case 'equal':
          return `v.str = ${p.add(c.value)}`;
        case 'start':
          return `v.str LIKE ${p.add(`${c.value}%`)}`;
        case 'contains':
          return `v.str LIKE ${p.add(`%${c.value}%`)}`;
      }
      break;
    case 'date': {
      const sql = dateSql(c.condition, 'v.date_lo', 'v.date_hi', p);
      return c.key === undefined
        ? `(v.date_lo IS NOT NULL AND ${sql})`
        : `(v.str = ${p.add(c.key)} AND ${sql})`;
    }
    case 'number': {
      const sql = numberSql(c.condition, p);
      return c.key === undefined
        ? `(v.num_lo IS NOT NULL AND ${sql})`
        : `(v.str = ${p.add(c.key)} AND ${sql})`;
    }
  }
}

const LAST_UPDATED = { lo: 'r.last_updated', hi: `(r.last_updated + interval '1 millisecond')` };

/** Criteria the GIN arrays or the primary key answer: enough to start from, and few rows. */
export function isAnchor(filter: SearchFilter): boolean {
  return filter.kind === 'reference' || filter.kind === 'id' || (filter.kind === 'token' && !filter.not);
}

/**
 * SQL for one AND-ed criterion over `resource r`. Chains and `_has` are resolved before.
 * `anchored`: another criterion of the query is an anchor (see isAnchor).
 */
export function filterSql(filter: SearchFilter, p: SqlParams, anchored = false): string {
  switch (filter.kind) {
    case 'id':
      return filter.ids.length === 0 ? 'false' : `r.id = ANY(${p.add(filter.ids)}::text[])`;
    case 'token':
      return `${filter.not ? 'NOT ' : ''}(r.tokens && ${p.add(filter.keys)}::text[])`;
    case 'token-prefix':
      return tokenPrefixSql(filter, p);
    case 'near':
      return nearSql(filter, p);
    case 'fulltext':
      return fullTextSql(filter, p);
    case 'reference':
      return filter.keys.length === 0 ? 'false' : `r.refs && ${p.add(filter.keys)}::text[]`;
    case 'provenance': {
      const own = `r.source_agency = ${p.add(filter.agency)}`;
      return filter.scope === 'own' ? own : `(${own} OR ${SHARED_DIRECTORY_ROW})`;
    }
    case 'date': {
      const ors = filter.conditions.map((c) => dateSql(c, LAST_UPDATED.lo, LAST_UPDATED.hi, p));
      return `(${ors.join(' OR ')})`;
    }
    case 'value': {
      const ors = filter.any.map((c) => valueConditionSql(c, p));
      const rows = `FROM search_value v WHERE v.resource_type = r.resource_type AND v.id = r.id
                 AND v.param = ${p.add(filter.param)} AND (${ors.join(' OR ')})`;
      // Anchored by an indexed array criterion (a patient, a code), a scalar subquery is checked on
      // those few rows through (resource_type, id); EXISTS would let the planner scan every value
      // of the parameter first (a date: every Observation since 2020, 300 ms at 1,000 patients).
      return anchored ? `coalesce((SELECT true ${rows} LIMIT 1), false)` : `EXISTS (SELECT 1 ${rows})`;
    }
    case 'chain':
    case 'has':
    case 'hierarchy':
      throw new Error(`A ${filter.kind} criterion reached SQL unresolved`);
  }
}
