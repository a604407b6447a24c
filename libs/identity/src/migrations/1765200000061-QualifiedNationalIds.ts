import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A new kind of patient index key, `qid`: a national id that may link records by itself (a
 * qualified INS with a hash of its traits, a verified NHS number). See mpi/qualification.ts.
 */
export class QualifiedNationalIds1765200000061 implements MigrationInterface {
  name = 'QualifiedNationalIds1765200000061';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE mpi_key DROP CONSTRAINT mpi_key_kind_check`);
    await q.query(
      `ALTER TABLE mpi_key ADD CONSTRAINT mpi_key_kind_check CHECK (kind IN ('nid', 'qid', 'demo', 'name-dob'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM mpi_key WHERE kind = 'qid'`);
    await q.query(`ALTER TABLE mpi_key DROP CONSTRAINT mpi_key_kind_check`);
    await q.query(
      `ALTER TABLE mpi_key ADD CONSTRAINT mpi_key_kind_check CHECK (kind IN ('nid', 'demo', 'name-dob'))`,
    );
  }
}
