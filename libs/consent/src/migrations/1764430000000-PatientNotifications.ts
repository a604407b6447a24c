import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Durable "the patient must be told" events (break-glass access, consent change, ...), consumed
 * by the letters worker. The dedupe key makes each event exactly one row, however often it is
 * emitted; `details` holds who and why, never clinical data.
 */
export class PatientNotifications1764430000000 implements MigrationInterface {
  name = 'PatientNotifications1764430000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE patient_notification (
        id uuid PRIMARY KEY,
        patient_id text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('break-glass', 'consent-change')),
        dedupe_key text NOT NULL UNIQUE,
        details jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX patient_notification_pending ON patient_notification (status, created_at)`);
    await q.query(
      `CREATE INDEX patient_notification_patient ON patient_notification (patient_id, created_at)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE patient_notification`);
  }
}
