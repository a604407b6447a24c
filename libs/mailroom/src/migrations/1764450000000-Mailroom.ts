import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The mailroom's tables. `letter`: one row per event a patient must be told of (the dedupe key
 * makes a second delivery of the same event a no-op), from its channel decision to the post box;
 * `held` rows wait for an operator with a reason code and a message that never quotes patient
 * data. `print_run`: letters printed together (one PDF + one CSV manifest, files named here).
 * `mailroom_address_flag`: an address a letter came back from, per patient record, by a hash of
 * its lines: later letters to it are held until the record's address changes.
 * Rows hold ids and codes only: names, addresses and contents are read from the records when a
 * letter is rendered.
 */
export class Mailroom1764450000000 implements MigrationInterface {
  name = 'Mailroom1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE print_run (
        id uuid PRIMARY KEY,
        status text NOT NULL DEFAULT 'building'
          CHECK (status IN ('building', 'ready', 'printed', 'posted', 'failed')),
        gathered integer NOT NULL,
        letters integer NOT NULL DEFAULT 0,
        held integer NOT NULL DEFAULT 0,
        pages integer NOT NULL DEFAULT 0,
        sheets integer NOT NULL DEFAULT 0,
        pdf_file text,
        manifest_file text,
        failure text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        ready_at timestamptz,
        printed_at timestamptz,
        posted_at timestamptz,
        failed_at timestamptz,
        CHECK ((status IN ('ready', 'printed', 'posted')) = (pdf_file IS NOT NULL AND manifest_file IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX print_run_created ON print_run (created_at, id)`);
    await q.query(`
      CREATE TABLE letter (
        id uuid PRIMARY KEY,
        reference text NOT NULL UNIQUE,
        patient_id text NOT NULL,
        kind text NOT NULL
          CHECK (kind IN ('break-glass', 'consent-change', 'access-report', 'patient-summary')),
        dedupe_key text NOT NULL UNIQUE,
        status text NOT NULL DEFAULT 'new'
          CHECK (status IN ('new', 'digital', 'pending', 'held', 'in-run', 'printed', 'posted', 'returned', 'cancelled')),
        held_reason text,
        held_message text,
        language text NOT NULL DEFAULT 'fr' CHECK (language IN ('fr', 'en')),
        large_print boolean NOT NULL DEFAULT false,
        run_id uuid REFERENCES print_run (id),
        pages integer,
        address_patient_id text,
        address_fingerprint text,
        communication_id text,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        returned_at timestamptz,
        CHECK ((status = 'held') = (held_reason IS NOT NULL AND held_message IS NOT NULL)),
        CHECK ((status IN ('in-run', 'printed', 'posted', 'returned')) = (run_id IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX letter_status ON letter (status, created_at, id)`);
    await q.query(`CREATE INDEX letter_run ON letter (run_id, id) WHERE run_id IS NOT NULL`);
    await q.query(`CREATE INDEX letter_patient ON letter (patient_id, created_at)`);
    await q.query(`
      CREATE TABLE mailroom_address_flag (
        patient_id text NOT NULL,
        fingerprint text NOT NULL,
        letter_id uuid NOT NULL REFERENCES letter (id),
        flagged_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (patient_id, fingerprint)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mailroom_address_flag`);
    await q.query(`DROP TABLE letter`);
    await q.query(`DROP TABLE print_run`);
  }
}
