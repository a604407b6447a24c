import { type IndexRow, toSqlTimestamp } from '@passerelle/fhir';
import type { Db } from './resource-sql';

/** The `search_value` rows of current resources: a resource's rows replaced with each version. */
export interface IndexedResource {
  type: string;
  id: string;
  /** Absent for a deletion: its rows go. */
  rows: readonly IndexRow[];
  /** A first version (a create): it has no rows yet to delete. */
  first?: boolean;
}

const finite = (n: number | null): string | null =>
  n === null ? null : n === Infinity ? 'Infinity' : n === -Infinity ? '-Infinity' : String(n);
const instant = (n: number | null): string | null => (n === null ? null : toSqlTimestamp(n));

/**
 * Two statements whatever the number of resources: delete their rows, insert the new ones. A
 * Bundle of creates has nothing to delete: one statement.
 */
export async function replaceSearchValues(db: Db, resources: readonly IndexedResource[]): Promise<void> {
  if (resources.length === 0) return;
  const replaced = resources.filter((r) => !r.first);
  if (replaced.length > 0) {
    await db.query(
      `DELETE FROM search_value v USING unnest($1::text[], $2::text[]) AS k(t, i)
        WHERE v.resource_type = k.t AND v.id = k.i`,
      [replaced.map((r) => r.type), replaced.map((r) => r.id)],
    );
  }
  const cols: (string | null)[][] = [[], [], [], [], [], [], [], [], [], []];
  for (const r of resources) {
    for (const row of r.rows) {
      const values = [
        r.type,
        r.id,
        row.param,
        row.str,
        row.exact,
        finite(row.numLo),
        finite(row.numHi),
        instant(row.dateLo),
        instant(row.dateHi),
      ];
      values.forEach((v, i) => cols[i].push(v));
    }
  }
  if (cols[0].length === 0) return;
  await db.query(
    `INSERT INTO search_value (resource_type, id, param, str, exact, num_lo, num_hi, date_lo, date_hi)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                          $6::numeric[], $7::numeric[], $8::timestamptz[], $9::timestamptz[])`,
    cols.slice(0, 9),
  );
}
