import type { SearchFilter } from '@passerelle/fhir';
import type { SqlParams } from './params';

/** Lower case, accents removed: `Hélène` and `helene` are one word. */
function folded(text: string): string {
  return `replace(replace(translate(lower(${text}), 'àáâãäåçèéêëìíîïñòóôõöùúûüýÿ', 'aaaaaaceeeeiiiinooooouuuuyy'), 'œ', 'oe'), 'æ', 'ae')`;
}

/**
 * `_text` and `_content` with PostgreSQL text search (the `simple` configuration: words as
 * written, no stemming, so French and English are treated alike). The narrative's markup is
 * dropped by the parser; `_content` takes the string values of the resource only (not its keys).
 * Computed at search time from the stored content: no index, so a query that names a patient
 * or a code as well is the fast one.
 */
export function fullTextSql(filter: Extract<SearchFilter, { kind: 'fulltext' }>, p: SqlParams): string {
  const query = `websearch_to_tsquery('simple', ${folded(`${p.add(filter.query)}::text`)})`;
  const document =
    filter.scope === 'narrative'
      ? `to_tsvector('simple', ${folded(`coalesce(r.content #>> '{text,div}', '')`)})`
      : `jsonb_to_tsvector('simple', ${folded('r.content::text')}::jsonb, '["string"]')`;
  return `(${document} @@ ${query})`;
}
