import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The connector's positions: one row per agency and stream (a pulled type, or the hub feed). */
export class ConnectorCursors1764450000000 implements MigrationInterface {
  name = 'ConnectorCursors1764450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE connector_cursor (
        agency text NOT NULL,
        stream text NOT NULL,
        position text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT connector_cursor_pk PRIMARY KEY (agency, stream)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE connector_cursor`);
  }
}
