import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The patient index (MPI): persons, each agency Patient record's link to one, the blocking keys
 * that find look-alikes, and the candidate pairs operators decide on. See mpi/patient-index.ts.
 */
export class PatientIndex1764400000001 implements MigrationInterface {
  name = 'PatientIndex1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mpi_person (
        id text PRIMARY KEY,
        merged_into text REFERENCES mpi_person (id),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE mpi_link (
        patient_id text PRIMARY KEY,
        person_id text NOT NULL REFERENCES mpi_person (id),
        agency text NOT NULL,
        method text NOT NULL CHECK (method IN ('new', 'national-id', 'demographic', 'admin')),
        evidence jsonb NOT NULL DEFAULT '{"rules": []}',
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX mpi_link_person ON mpi_link (person_id)`);
    await q.query(`
      CREATE TABLE mpi_key (
        patient_id text NOT NULL REFERENCES mpi_link (patient_id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('nid', 'demo', 'name-dob')),
        value text NOT NULL,
        CONSTRAINT mpi_key_pk PRIMARY KEY (patient_id, kind, value)
      )`);
    await q.query(`CREATE INDEX mpi_key_lookup ON mpi_key (kind, value)`);
    await q.query(`
      CREATE TABLE mpi_candidate (
        id text PRIMARY KEY,
        patient_id text NOT NULL REFERENCES mpi_link (patient_id),
        matched_patient_id text NOT NULL REFERENCES mpi_link (patient_id),
        rule text NOT NULL CHECK (rule IN ('demographic', 'national-id', 'linked-record-moved', 'unlink')),
        evidence jsonb NOT NULL DEFAULT '{"rules": []}',
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'confirmed', 'rejected')),
        decided_by text,
        decided_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (patient_id <> matched_patient_id),
        CHECK ((status = 'pending') = (decided_at IS NULL))
      )`);
    // One open question per pair of records, whichever way round it was asked.
    await q.query(`
      CREATE UNIQUE INDEX mpi_candidate_pending_pair ON mpi_candidate
        (LEAST(patient_id, matched_patient_id), GREATEST(patient_id, matched_patient_id)) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX mpi_candidate_patient ON mpi_candidate (patient_id)`);
    await q.query(`CREATE INDEX mpi_candidate_matched ON mpi_candidate (matched_patient_id)`);
    await q.query(
      `CREATE INDEX mpi_candidate_pending ON mpi_candidate (created_at, id) WHERE status = 'pending'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mpi_candidate`);
    await q.query(`DROP TABLE mpi_key`);
    await q.query(`DROP TABLE mpi_link`);
    await q.query(`DROP TABLE mpi_person`);
  }
}
