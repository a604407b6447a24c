import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Appointment and medicines letters. `letter.kind` gains `appointment` and `medicines`; two partial
 * unique indexes keep at most one unsent letter (new, pending or held) per appointment and patient
 * record, and one unsent medicines letter per patient record: a moved appointment replaces its
 * unsent letter, and a day of medicine changes (or all of them before the next print run) makes
 * one letter. `details` holds the appointment's reference and version, the change, the day and,
 * once printed, the ids and fingerprints of the medicines listed (what the next letter compares
 * with).
 */
export class CareLetters1765660000000 implements MigrationInterface {
  name = 'CareLetters1765660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letter DROP CONSTRAINT letter_kind_check`);
    await q.query(`ALTER TABLE letter ADD CONSTRAINT letter_kind_check
      CHECK (kind IN ('break-glass', 'consent-change', 'access-report', 'patient-summary', 'consent-form-recorded',
        'appointment', 'medicines'))`);
    await q.query(`CREATE UNIQUE INDEX letter_appointment_unsent ON letter (patient_id, (details->>'appointment'))
      WHERE kind = 'appointment' AND status IN ('new', 'pending', 'held')`);
    await q.query(`CREATE UNIQUE INDEX letter_medicines_unsent ON letter (patient_id)
      WHERE kind = 'medicines' AND status IN ('new', 'pending', 'held')`);
    await q.query(`CREATE INDEX letter_care_kind ON letter (kind, patient_id, updated_at)
      WHERE kind IN ('appointment', 'medicines')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX letter_care_kind`);
    await q.query(`DROP INDEX letter_medicines_unsent`);
    await q.query(`DROP INDEX letter_appointment_unsent`);
    await q.query(`DELETE FROM mailroom_address_flag WHERE letter_id IN
      (SELECT id FROM letter WHERE kind IN ('appointment', 'medicines'))`);
    await q.query(`DELETE FROM letter WHERE kind IN ('appointment', 'medicines')`);
    await q.query(`ALTER TABLE letter DROP CONSTRAINT letter_kind_check`);
    await q.query(`ALTER TABLE letter ADD CONSTRAINT letter_kind_check
      CHECK (kind IN ('break-glass', 'consent-change', 'access-report', 'patient-summary', 'consent-form-recorded'))`);
  }
}
