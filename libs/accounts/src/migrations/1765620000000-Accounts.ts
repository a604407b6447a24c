import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * People who log in to the hub's pages: operators with roles, clinicians of an agency with their
 * practitioner identifier; and their sessions (the cookie's hash, never the cookie itself).
 */
export class Accounts1765620000000 implements MigrationInterface {
  name = 'Accounts1765620000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE account (
        id text PRIMARY KEY,
        username text NOT NULL UNIQUE CHECK (username = lower(username) AND length(username) BETWEEN 3 AND 64),
        display_name text NOT NULL,
        password_hash text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('operator', 'clinician')),
        roles text[] NOT NULL DEFAULT '{}'
          CHECK (roles <@ ARRAY['admin', 'mailroom', 'identity-review']::text[]),
        agency text REFERENCES agency (id),
        practitioner text,
        language text CHECK (language IN ('fr', 'en')),
        failed_logins integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT account_clinician_agency CHECK (
          (kind = 'clinician' AND agency IS NOT NULL AND practitioner IS NOT NULL AND roles = '{}')
          OR (kind = 'operator' AND agency IS NULL AND practitioner IS NULL)
        )
      )`);
    await q.query(`
      CREATE TABLE web_session (
        id text PRIMARY KEY,
        account_id text NOT NULL REFERENCES account (id) ON DELETE CASCADE,
        csrf_token text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX web_session_account ON web_session (account_id)`);
    await q.query(`CREATE INDEX web_session_expires ON web_session (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE web_session`);
    await q.query(`DROP TABLE account`);
  }
}
