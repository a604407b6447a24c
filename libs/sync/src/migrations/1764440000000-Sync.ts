import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hub side of sync. `sync_outbox`: one row per stored version, written in the same
 * transaction as the version, so no change is lost whatever happens to the queue.
 * `sync_feed`: what routing decided each agency receives, in the order it reads it.
 * `sync_subscription`: resource types an agency asked for, for every person it has a record of.
 * Rows hold ids only, never patient data.
 */
export class Sync1764440000000 implements MigrationInterface {
  name = 'Sync1764440000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sync_outbox (
        id bigserial PRIMARY KEY,
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        version_id integer NOT NULL,
        source_agency text NOT NULL,
        patient_id text,
        deleted boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        routed_at timestamptz,
        UNIQUE (resource_type, resource_id, version_id)
      )`);
    await q.query(`CREATE INDEX sync_outbox_unrouted ON sync_outbox (id) WHERE routed_at IS NULL`);
    await q.query(`
      CREATE TABLE sync_feed (
        seq bigserial PRIMARY KEY,
        agency_id text NOT NULL,
        outbox_id bigint NOT NULL REFERENCES sync_outbox (id),
        resource_type text NOT NULL,
        resource_id text NOT NULL,
        version_id integer NOT NULL,
        rule text NOT NULL,
        routed_at timestamptz NOT NULL DEFAULT now(),
        acknowledged_at timestamptz,
        UNIQUE (agency_id, outbox_id)
      )`);
    await q.query(`CREATE INDEX sync_feed_agency ON sync_feed (agency_id, seq)`);
    await q.query(`
      CREATE TABLE sync_subscription (
        agency_id text NOT NULL,
        resource_type text NOT NULL,
        PRIMARY KEY (agency_id, resource_type)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sync_subscription`);
    await q.query(`DROP TABLE sync_feed`);
    await q.query(`DROP TABLE sync_outbox`);
  }
}
