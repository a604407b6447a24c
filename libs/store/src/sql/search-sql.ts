import { type DateCondition, type SearchFilter, toSqlTimestamp } from '@passerelle/fhir';
import type { SqlParams } from './params';

/** [lo, hi) of the compared value, as SQL over the `resource` row aliased `r`. */
const COLUMNS = {
  lastUpdated: { lo: 'r.last_updated', hi: `(r.last_updated + interval '1 millisecond')` },
  date: { lo: 'r.date_lo', hi: 'r.date_hi' },
} as const;

function dateConditionSql(column: 'lastUpdated' | 'date', c: DateCondition, p: SqlParams): string {
  const { lo, hi } = COLUMNS[column];
  // Parameters are added only when used: PostgreSQL refuses a parameter it cannot type.
  const pLo = () => `${p.add(toSqlTimestamp(c.range.lo))}::timestamptz`;
  const pHi = () => `${p.add(toSqlTimestamp(c.range.hi))}::timestamptz`;
  switch (c.prefix) {
    case 'eq':
      return `(${lo} >= ${pLo()} AND ${hi} <= ${pHi()})`;
    case 'ne':
      return `NOT (${lo} >= ${pLo()} AND ${hi} <= ${pHi()})`;
    case 'gt':
      return `${hi} > ${pHi()}`;
    case 'lt':
      return `${lo} < ${pLo()}`;
    case 'ge':
      return `${hi} > ${pLo()}`;
    case 'le':
      return `${lo} < ${pHi()}`;
    case 'sa':
      return `${lo} >= ${pHi()}`;
    case 'eb':
      return `${hi} <= ${pLo()}`;
  }
}

/** SQL for one AND-ed criterion over `resource r`. */
export function filterSql(filter: SearchFilter, p: SqlParams): string {
  switch (filter.kind) {
    case 'id':
      return filter.ids.length === 0 ? 'false' : `r.id = ANY(${p.add(filter.ids)}::text[])`;
    case 'token':
      return `r.tokens && ${p.add(filter.keys)}::text[]`;
    case 'reference':
      return `r.refs && ${p.add(filter.keys)}::text[]`;
    case 'provenance': {
      const own = `r.source_agency = ${p.add(filter.agency)}`;
      return filter.scope === 'own' ? own : `(${own} OR r.patient_id IS NULL)`;
    }
    case 'date': {
      const ors = filter.conditions.map((c) => dateConditionSql(filter.column, c, p));
      const guard = filter.column === 'date' ? 'r.date_lo IS NOT NULL AND ' : '';
      return `(${guard}(${ors.join(' OR ')}))`;
    }
  }
}
