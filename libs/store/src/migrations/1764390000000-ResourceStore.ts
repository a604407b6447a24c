import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Versioned FHIR resources and their search index. */
export class ResourceStore1764390000000 implements MigrationInterface {
  name = 'ResourceStore1764390000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE resource (
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id integer NOT NULL,
        last_updated timestamptz NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        content jsonb,
        patient_id text,
        source_agency text,
        tokens text[] NOT NULL DEFAULT '{}',
        refs text[] NOT NULL DEFAULT '{}',
        date_lo timestamptz,
        date_hi timestamptz,
        CONSTRAINT resource_pk PRIMARY KEY (resource_type, id)
      )`);
    await q.query(`CREATE INDEX resource_type_updated ON resource (resource_type, last_updated, id)`);
    await q.query(`CREATE INDEX resource_patient ON resource (patient_id, resource_type)`);
    await q.query(`CREATE INDEX resource_date ON resource (resource_type, date_lo, date_hi)`);
    await q.query(`CREATE INDEX resource_tokens ON resource USING gin (tokens)`);
    await q.query(`CREATE INDEX resource_refs ON resource USING gin (refs)`);
    await q.query(`
      CREATE TABLE resource_version (
        resource_type text NOT NULL,
        id text NOT NULL,
        version_id integer NOT NULL,
        last_updated timestamptz NOT NULL,
        deleted boolean NOT NULL DEFAULT false,
        content jsonb,
        source_agency text,
        method text NOT NULL,
        CONSTRAINT resource_version_pk PRIMARY KEY (resource_type, id, version_id)
      )`);
    await q.query(`CREATE INDEX resource_version_updated ON resource_version (resource_type, last_updated)`);
    await q.query(`CREATE INDEX resource_version_all_updated ON resource_version (last_updated)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE resource_version`);
    await q.query(`DROP TABLE resource`);
  }
}
