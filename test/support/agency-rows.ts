import type { AgencyKind } from '@passerelle/identity';

/** What runs SQL: a TypeORM DataSource or EntityManager. */
interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * An agency's registration row (libs/identity's table), as the admin API writes it, for a lib's
 * tests that have no hub to register through (end-to-end tests use `registerAgency`).
 */
export async function insertAgencyRow(db: Queryable, id: string, kind: AgencyKind, name = id): Promise<void> {
  await db.query(
    `INSERT INTO agency (id, kind, name, organization, jwks, scopes) VALUES ($1, $2, $3, $4, '{"keys":[]}', '{}')`,
    [id, kind, name, JSON.stringify({ resourceType: 'Organization', id, name })],
  );
}
