import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { CONNECTOR_SCHEMA, DatabaseCursorStore, FEED_STREAM, pullStream } from './cursors/cursor-store';

describe.each(STORE_KINDS)('DatabaseCursorStore on %s', (kind) => {
  let database: TestDatabase;
  let db: OpenDatabase;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    db = await openDatabase(database.config, { migrate: true, schemas: [CONNECTOR_SCHEMA] });
  });

  afterAll(async () => {
    await db?.close();
    await database?.drop();
  });

  it('has no cursor for a stream never followed', async () => {
    expect(await new DatabaseCursorStore(db.dataSource, 'fresh').get(pullStream('Patient'))).toBeUndefined();
  });

  it('stores, moves and forgets cursors per stream', async () => {
    const cursors = new DatabaseCursorStore(db.dataSource, 'chu');
    await cursors.set(pullStream('Patient'), '2026-01-01T00:00:00.000Z');
    await cursors.set(pullStream('Patient'), '2026-01-02T00:00:00.000Z');
    await cursors.set(FEED_STREAM, '17');
    expect(await cursors.get(pullStream('Patient'))).toBe('2026-01-02T00:00:00.000Z');
    expect((await cursors.all()).map((r) => [r.stream, r.position])).toEqual([
      ['feed', '17'],
      ['pull:Patient', '2026-01-02T00:00:00.000Z'],
    ]);
    await cursors.reset(FEED_STREAM);
    expect(await cursors.get(FEED_STREAM)).toBeUndefined();
  });

  it('keeps each agency’s cursors apart in a shared database', async () => {
    const a = new DatabaseCursorStore(db.dataSource, 'agency-a');
    const b = new DatabaseCursorStore(db.dataSource, 'agency-b');
    await a.set(FEED_STREAM, '5');
    await b.set(FEED_STREAM, '9');
    expect([await a.get(FEED_STREAM), await b.get(FEED_STREAM)]).toEqual(['5', '9']);
  });

  it('keeps cursors across a restart (durable)', async () => {
    await new DatabaseCursorStore(db.dataSource, 'restart').set(
      pullStream('Encounter'),
      '2026-02-02T00:00:00.000Z',
    );
    await db.close();
    db = await openDatabase(database.config, { migrate: true, schemas: [CONNECTOR_SCHEMA] });
    expect(await new DatabaseCursorStore(db.dataSource, 'restart').get(pullStream('Encounter'))).toBe(
      '2026-02-02T00:00:00.000Z',
    );
  });
});
