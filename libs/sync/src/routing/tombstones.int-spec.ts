import { IDENTITY_SCHEMA } from '@passerelle/identity';
import { type OpenDatabase, openDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { SYNC_SCHEMA } from '../schema';
import { earlierRecipients } from './tombstones';

/**
 * Which agencies a deletion's tombstone reaches because their feeds already hold the resource:
 * answered by resource through `sync_feed_resource` (migration 1765840000000), not by reading
 * the whole feed.
 */
describe.each(STORE_KINDS)('earlier recipients of a deletion on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  const manager = () => opened.dataSource.manager;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA, SYNC_SCHEMA] });
    // The outbox rows the feed points at, then feeds of three agencies: many rows about other
    // resources, as a feed that has run a while.
    await manager().query(
      `INSERT INTO sync_outbox (id, resource_type, resource_id, version_id, source_agency, routed_at)
       SELECT i, 'Observation', 'obs-' || i, 1, 'hospital', now() FROM generate_series(1, 3000) AS i
       UNION ALL SELECT 9000 + i, 'Condition', 'c-' || i, 1, 'hospital', now() FROM generate_series(1, 3) AS i`,
    );
    await manager().query(
      `INSERT INTO sync_feed (agency_id, outbox_id, resource_type, resource_id, version_id, rule)
       SELECT 'agency-' || (i % 3), i, 'Observation', 'obs-' || i, 1, 'test'
         FROM generate_series(1, 3000) AS i`,
    );
    await manager().query(
      `INSERT INTO sync_feed (agency_id, outbox_id, resource_type, resource_id, version_id, rule)
       VALUES ('gp-a', 9001, 'Condition', 'c-1', 1, 'test'), ('gp-b', 9001, 'Condition', 'c-1', 1, 'test'),
              ('gp-a', 9002, 'Condition', 'c-2', 1, 'test')`,
    );
    await manager().query('ANALYZE sync_feed');
  });

  afterAll(async () => {
    await opened?.close();
    await db?.drop();
  });

  it('names every agency whose feed holds the resource, by type and id', async () => {
    const found = await earlierRecipients(manager(), [
      { type: 'Condition', id: 'c-1' },
      { type: 'Condition', id: 'c-2' },
      { type: 'Observation', id: 'c-1' }, // same id, another type: nobody
    ]);
    expect(Object.fromEntries(found)).toEqual({
      'Condition/c-1': ['gp-a', 'gp-b'],
      'Condition/c-2': ['gp-a'],
    });
  });

  it('finds them through the index on (resource_type, resource_id), not by reading the feed', async () => {
    const plan: { 'QUERY PLAN': string }[] = await manager().query(
      `EXPLAIN SELECT DISTINCT f.agency_id FROM sync_feed f
        WHERE f.resource_type = 'Condition' AND f.resource_id = 'c-1'`,
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('sync_feed_resource');
    expect(text).not.toMatch(/Seq Scan on sync_feed/);
  });

  it('reverts and applies again', async () => {
    await opened.dataSource.undoLastMigration();
    const count = async () =>
      (
        await manager().query<{ n: string }[]>(
          `SELECT count(*)::text AS n FROM pg_indexes WHERE indexname = 'sync_feed_resource'`,
        )
      )[0].n;
    expect(await count()).toBe('0');
    await opened.dataSource.runMigrations();
    expect(await count()).toBe('1');
  });
});
