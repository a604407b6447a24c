import { badRequest } from '../outcomes';

/**
 * `_text` (the narrative, `text.div`) and `_content` (every string of the resource): PostgreSQL
 * full-text search, whole words, case and accents ignored, with the web-search syntax
 * (`"compte rendu"` a phrase, `or` either, `-genou` not). The value is one query: commas are
 * part of it, not an OR.
 *
 * `_list`, `_filter` and `_query` are refused in strict and lenient mode alike: skipping one
 * would answer a different question than the one asked.
 */
export type FullTextScope = 'narrative' | 'content';

const FULLTEXT_PARAMS: ReadonlyMap<string, FullTextScope> = new Map([
  ['_text', 'narrative'],
  ['_content', 'content'],
]);

export function isFullTextParam(name: string): boolean {
  return FULLTEXT_PARAMS.has(name);
}

const MAX_QUERY_LENGTH = 500;

export function parseFullText(
  name: string,
  value: string,
): { kind: 'fulltext'; scope: FullTextScope; query: string } {
  const query = value.trim();
  if (query === '') throw badRequest(`Search parameter ${name} has no value`);
  if (query.length > MAX_QUERY_LENGTH)
    throw badRequest(`Search parameter ${name}: at most ${MAX_QUERY_LENGTH} characters`);
  const scope = FULLTEXT_PARAMS.get(name);
  if (scope === undefined) throw new Error(`${name} is not a full-text parameter`);
  return { kind: 'fulltext', scope, query };
}

const REFUSED_PARAMS: ReadonlyMap<string, string> = new Map([
  [
    '_list',
    '_list is not supported: the hub keeps no List resources; search by the criteria the list was built from',
  ],
  [
    '_filter',
    '_filter is not supported: combine search parameters (AND by repetition, OR with commas) instead',
  ],
  ['_query', '_query is not supported: the hub defines no named queries'],
]);

/** Why a parameter is refused even when unknown ones are skipped, or undefined. */
export function refusedParam(name: string): string | undefined {
  return REFUSED_PARAMS.get(name);
}
