import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Paper consent forms. `consent_form`: one row per consent letter that carries a form, made when
 * the letter is first rendered: the code printed on it (unique, single use), the patient record
 * and the letter it is bound to, until when it is accepted, and once used, when, the Consent it
 * became (id and version) and the letter confirming it. The code is stored as printed: a letter
 * rendered again (a retried print run) must print the same one, and it is worth nothing without
 * the operator credential. `letter.kind` gains the confirmation letter, `consent-form-recorded`.
 */
export class ConsentForms1765400000030 implements MigrationInterface {
  name = 'ConsentForms1765400000030';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE letter DROP CONSTRAINT letter_kind_check`);
    await q.query(`ALTER TABLE letter ADD CONSTRAINT letter_kind_check
      CHECK (kind IN ('break-glass', 'consent-change', 'access-report', 'patient-summary', 'consent-form-recorded'))`);
    await q.query(`
      CREATE TABLE consent_form (
        id uuid PRIMARY KEY,
        code text NOT NULL UNIQUE,
        letter_id uuid NOT NULL UNIQUE REFERENCES letter (id),
        patient_id text NOT NULL,
        issued_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        consent_id text,
        consent_version integer,
        confirmation_letter_id uuid REFERENCES letter (id),
        CHECK ((used_at IS NULL) = (consent_id IS NULL)),
        CHECK ((used_at IS NULL) = (consent_version IS NULL)),
        CHECK ((used_at IS NULL) = (confirmation_letter_id IS NULL)),
        CHECK (expires_at > issued_at)
      )`);
    await q.query(`CREATE INDEX consent_form_patient ON consent_form (patient_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE consent_form`);
    await q.query(`DELETE FROM letter WHERE kind = 'consent-form-recorded'`);
    await q.query(`ALTER TABLE letter DROP CONSTRAINT letter_kind_check`);
    await q.query(`ALTER TABLE letter ADD CONSTRAINT letter_kind_check
      CHECK (kind IN ('break-glass', 'consent-change', 'access-report', 'patient-summary'))`);
  }
}
