import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `audit_verification`: one row per verification of the hash chain (from a page, the admin API or
 * the CLI): when, how many records, intact or where it first broke. The operator's overview shows
 * the newest. No patient data: sequence numbers and problem codes only.
 */
export class AuditVerifications1765710000000 implements MigrationInterface {
  name = 'AuditVerifications1765710000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_verification (
        id bigserial PRIMARY KEY,
        verified_at timestamptz NOT NULL DEFAULT now(),
        checked bigint NOT NULL,
        ok boolean NOT NULL,
        last_seq bigint,
        broken_seq bigint,
        problem text,
        problems integer NOT NULL DEFAULT 0,
        verified_by text NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_verification_at ON audit_verification (verified_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_verification`);
  }
}
