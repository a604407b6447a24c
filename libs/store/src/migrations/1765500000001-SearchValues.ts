import { extractSearchValues, isSupportedType } from '@passerelle/fhir';
import type { Resource } from 'fhir/r4';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { replaceSearchValues } from '../sql/search-value-sql';

const BATCH = 500;

/**
 * Every standard R4 search parameter: strings, dates, numbers, quantities and composites in
 * `search_value` (one row per value, current resources only), tokens, uris and references in the
 * existing arrays with more keys. Resources already stored are indexed again, in batches, with the
 * same extraction as the write path.
 */
export class SearchValues1765500000001 implements MigrationInterface {
  name = 'SearchValues1765500000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE search_value (
        resource_type text NOT NULL,
        id text NOT NULL,
        param text NOT NULL,
        str text,
        exact text,
        num_lo numeric,
        num_hi numeric,
        date_lo timestamptz,
        date_hi timestamptz
      )`);
    await q.query(`CREATE INDEX search_value_resource ON search_value (resource_type, id)`);
    await q.query(
      `CREATE INDEX search_value_str ON search_value (resource_type, param, str text_pattern_ops) WHERE str IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX search_value_date ON search_value (resource_type, param, date_lo, date_hi) WHERE date_lo IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX search_value_num ON search_value (resource_type, param, num_lo, num_hi) WHERE num_lo IS NOT NULL`,
    );
    let after: [string, string] = ['', ''];
    for (;;) {
      const rows = (await q.query(
        `SELECT resource_type, id, content::text AS content FROM resource
          WHERE NOT deleted AND (resource_type, id) > ($1, $2) ORDER BY resource_type, id LIMIT ${BATCH}`,
        after,
      )) as { resource_type: string; id: string; content: string }[];
      if (rows.length === 0) break;
      const indexed = rows
        .filter((r) => isSupportedType(r.resource_type))
        .map((r) => {
          const type = r.resource_type as Parameters<typeof extractSearchValues>[0];
          return { type, id: r.id, index: extractSearchValues(type, JSON.parse(r.content) as Resource) };
        });
      await q.query(
        `UPDATE resource r SET tokens = k.tokens::text[], refs = k.refs::text[]
           FROM jsonb_to_recordset($1::jsonb) AS k(t text, i text, tokens text[], refs text[])
          WHERE r.resource_type = k.t AND r.id = k.i`,
        [
          JSON.stringify(
            indexed.map((x) => ({ t: x.type, i: x.id, tokens: x.index.tokens, refs: x.index.refs })),
          ),
        ],
      );
      await replaceSearchValues(
        q.manager,
        indexed.map((x) => ({ type: x.type, id: x.id, rows: x.index.rows })),
      );
      const last = rows[rows.length - 1];
      after = [last.resource_type, last.id];
    }
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE search_value`);
  }
}
