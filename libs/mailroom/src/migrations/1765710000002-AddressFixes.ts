import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `mailroom_address_fix`: a postal address an operator typed for a held letter's patient (the
 * record the letter names). It is used instead of the records' address until a record of the
 * person changes after it (the agency's newer data wins). Holds an address, like a print run: the
 * hub's own table, never logged.
 */
export class AddressFixes1765710000002 implements MigrationInterface {
  name = 'AddressFixes1765710000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE mailroom_address_fix (
        patient_id text PRIMARY KEY,
        address jsonb NOT NULL,
        fixed_by text NOT NULL,
        fixed_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE mailroom_address_fix`);
  }
}
