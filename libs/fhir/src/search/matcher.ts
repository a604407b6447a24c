import { badRequest } from '../outcomes';
import type { SearchIndexValues } from './extract';
import type { IndexRow } from './index-values';
import type { SearchFilter } from './query';
import type { DateCondition, NumberCondition, ValueCondition } from './values';

/**
 * Search criteria checked in memory against one resource's extracted index values, with the
 * same meaning as the store's SQL (libs/store/src/sql/search-sql.ts). For what is not in the
 * store's tables (the audit trail) and must be matched on exactly what the caller is shown: a
 * redacted AuditEvent is matched as redacted, so a criterion cannot find what the view hides.
 * Chains, `_has`, `near`, full text and `_lastUpdated` are not matched here.
 */
export function matchesAll(
  index: SearchIndexValues,
  id: string | undefined,
  filters: readonly SearchFilter[],
): boolean {
  const tokens = new Set(index.tokens);
  const refs = new Set(index.refs);
  return filters.every((f) => matches(f, tokens, refs, index.rows, id));
}

/** Why a criterion cannot be matched in memory, or undefined when it can. */
export function unmatchable(filter: SearchFilter): string | undefined {
  switch (filter.kind) {
    case 'id':
    case 'token':
    case 'token-prefix':
    case 'reference':
    case 'value':
      return undefined;
    case 'date':
      return '_lastUpdated';
    case 'chain':
      return 'chained parameters';
    case 'has':
      return '_has';
    case 'hierarchy':
      return ':above and :below on references';
    case 'near':
      return 'near';
    case 'fulltext':
      return '_text and _content';
    case 'provenance':
      return 'provenance';
  }
}

function matches(
  f: SearchFilter,
  tokens: ReadonlySet<string>,
  refs: ReadonlySet<string>,
  rows: readonly IndexRow[],
  id: string | undefined,
): boolean {
  switch (f.kind) {
    case 'id':
      return id !== undefined && f.ids.includes(id);
    case 'token': {
      const any = f.keys.some((k) => tokens.has(k));
      return f.not ? !any : any;
    }
    case 'token-prefix':
      return [...tokens].some((t) => f.prefixes.some((p) => t.startsWith(p)));
    case 'reference':
      return f.keys.some((k) => refs.has(k));
    case 'value':
      return rows.some((r) => r.param === f.param && f.any.some((c) => rowMatches(r, c)));
    case 'date':
    case 'chain':
    case 'has':
    case 'hierarchy':
    case 'near':
    case 'fulltext':
    case 'provenance':
      throw badRequest(`Search: ${unmatchable(f)} cannot be used here`);
  }
}

function rowMatches(r: IndexRow, c: ValueCondition): boolean {
  switch (c.kind) {
    case 'string':
      switch (c.match) {
        case 'exact':
          return r.exact === c.value;
        case 'equal':
          return r.str === c.value;
        case 'start':
          return r.str !== null && r.str.startsWith(c.value);
        case 'contains':
          return r.str !== null && r.str.includes(c.value);
      }
      break;
    case 'date':
      if (r.dateLo === null || r.dateHi === null) return false;
      return (c.key === undefined || r.str === c.key) && dateMatches(c.condition, r.dateLo, r.dateHi);
    case 'number':
      if (r.numLo === null || r.numHi === null) return false;
      return (c.key === undefined || r.str === c.key) && numberMatches(c.condition, r);
  }
}

/** A stored range [lo, hi) against a searched one, per prefix (search-sql.ts rangeSql). */
function inRange(prefix: DateCondition['prefix'], lo: number, hi: number, qlo: number, qhi: number): boolean {
  switch (prefix) {
    case 'eq':
      return lo >= qlo && hi <= qhi;
    case 'ne':
      return !(lo >= qlo && hi <= qhi);
    case 'gt':
      return hi > qhi;
    case 'lt':
      return lo < qlo;
    case 'ge':
      return hi > qlo;
    case 'le':
      return lo < qhi;
    case 'sa':
      return lo >= qhi;
    case 'eb':
      return hi <= qlo;
    case 'ap':
      return lo < qhi && hi > qlo;
  }
}

function dateMatches(c: DateCondition, lo: number, hi: number): boolean {
  let { lo: qlo, hi: qhi } = c.range;
  if (c.prefix === 'ap') {
    const now = Date.now();
    const widen = Math.max(Math.max(Math.abs(now - qlo), Math.abs(now - qhi)) * 0.1, 86_400_000);
    qlo -= widen;
    qhi += widen;
  }
  return inRange(c.prefix, lo, hi, qlo, qhi);
}

function numberMatches(c: NumberCondition, r: IndexRow): boolean {
  const lo0 = r.numLo ?? 0;
  const hi0 = r.numHi ?? 0;
  const { value } = c.value;
  let { lo, hi } = c.value;
  if (['gt', 'lt', 'ge', 'le', 'sa', 'eb'].includes(c.prefix)) lo = hi = value;
  if (c.prefix === 'ap') {
    lo = value - Math.abs(value) * 0.1;
    hi = value + Math.abs(value) * 0.1;
  }
  let ok: boolean;
  switch (c.prefix) {
    case 'ge':
      ok = hi0 >= lo;
      break;
    case 'le':
      ok = lo0 <= hi;
      break;
    case 'eq':
      ok = lo0 >= lo && hi0 < hi;
      break;
    case 'ne':
      ok = !(lo0 >= lo && hi0 < hi);
      break;
    case 'gt':
    case 'lt':
    case 'sa':
    case 'eb':
    case 'ap':
      ok = inRange(c.prefix, lo0, hi0, lo, hi);
  }
  if (c.code !== undefined && r.str !== c.code) return false;
  if (c.system !== undefined && r.exact !== c.system) return false;
  return ok;
}
