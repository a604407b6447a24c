import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Agencies, replay protection for client assertions, and hub-generated secrets. */
export class Identity1764400000000 implements MigrationInterface {
  name = 'Identity1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agency (
        id text PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('hospital', 'gp', 'specialist')),
        name text NOT NULL,
        organization jsonb NOT NULL,
        jwks jsonb NOT NULL,
        scopes text[] NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE used_jti (
        client_id text NOT NULL,
        jti text NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT used_jti_pk PRIMARY KEY (client_id, jti)
      )`);
    await q.query(`CREATE INDEX used_jti_expires ON used_jti (expires_at)`);
    await q.query(`
      CREATE TABLE hub_secret (
        name text PRIMARY KEY,
        value text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE hub_secret`);
    await q.query(`DROP TABLE used_jti`);
    await q.query(`DROP TABLE agency`);
  }
}
