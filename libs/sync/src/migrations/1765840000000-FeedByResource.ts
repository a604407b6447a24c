import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Routing a deletion asks which agencies' feeds already hold a version of the deleted resource
 * (`earlierRecipients`, routing/tombstones.ts): by resource, a question `sync_feed_agency`
 * (agency, seq) cannot answer, so each route batch holding a deletion read the whole feed table,
 * which grows with every change routed. This index answers it by resource.
 */
export class FeedByResource1765840000000 implements MigrationInterface {
  name = 'FeedByResource1765840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX sync_feed_resource ON sync_feed (resource_type, resource_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX sync_feed_resource`);
  }
}
