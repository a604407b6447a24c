import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hash-chained audit trail. `seq` is numbered by the writer under the chain lock (no sequence:
 * a rolled-back transaction must not leave a gap the verifier would report as a deletion). The
 * indexed columns are derived from `content` and checked against it by the verifier.
 * A trigger refuses UPDATE, DELETE and TRUNCATE even to a role that has the grant.
 */
export class Audit1764420000000 implements MigrationInterface {
  name = 'Audit1764420000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_event (
        seq bigint PRIMARY KEY CHECK (seq > 0),
        id text NOT NULL UNIQUE,
        recorded timestamptz NOT NULL,
        patient_id text,
        agency text,
        interaction text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('0', '4', '8', '12')),
        break_glass boolean NOT NULL,
        content jsonb NOT NULL,
        hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
        prev_hash text NOT NULL
      )`);
    // Search newest first (keyset on seq) by patient, by agency, break-glass only; date ranges.
    await q.query(
      `CREATE INDEX audit_event_patient ON audit_event (patient_id, seq) WHERE patient_id IS NOT NULL`,
    );
    await q.query(`CREATE INDEX audit_event_agency ON audit_event (agency, seq)`);
    await q.query(`CREATE INDEX audit_event_recorded ON audit_event (recorded)`);
    await q.query(`CREATE INDEX audit_event_break_glass ON audit_event (seq) WHERE break_glass`);
    await q.query(`
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
      END
      $$`);
    await q.query(`
      CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_event`);
    await q.query(`DROP FUNCTION audit_event_append_only()`);
  }
}
