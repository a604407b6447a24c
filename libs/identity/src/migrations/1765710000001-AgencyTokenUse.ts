import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `agency_token_use`: when each agency last obtained an access token at /auth/token (one row per
 * agency, moved forward at each token), for the operator's overview.
 */
export class AgencyTokenUse1765710000001 implements MigrationInterface {
  name = 'AgencyTokenUse1765710000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agency_token_use (
        agency_id text PRIMARY KEY REFERENCES agency (id) ON DELETE CASCADE,
        last_token_at timestamptz NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE agency_token_use`);
  }
}
