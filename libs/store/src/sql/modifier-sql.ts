import type { SearchFilter } from '@passerelle/fhir';
import type { SqlParams } from './params';

/** `\`, `%` and `_` stand for themselves in a LIKE pattern. */
function likeLiteral(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * A uri's `:below`: a token key of the resource starts with one of the prefixes. The GIN index
 * cannot answer a prefix; the other criteria of the query (type, patient, code) narrow the rows.
 */
export function tokenPrefixSql(
  filter: Extract<SearchFilter, { kind: 'token-prefix' }>,
  p: SqlParams,
): string {
  const patterns = filter.prefixes.map((prefix) => `${likeLiteral(prefix)}%`);
  return `EXISTS (SELECT 1 FROM unnest(r.tokens) k WHERE k LIKE ANY(${p.add(patterns)}::text[]))`;
}
