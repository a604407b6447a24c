import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '@passerelle/store';
import { CONNECTOR_SCHEMA, DatabaseCursorStore, FEED_STREAM, pullStream } from './cursor-store';
import { openCursorStore } from './open-cursor-store';

describe('a connector upgraded from cursors in an embedded database to the cursor file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'passerelle-connector-upgrade-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('carries on from the embedded database’s cursors once, then keeps them in the file', async () => {
    const embedded = await openDatabase(
      { kind: 'pglite', dataDir: dir },
      { migrate: true, schemas: [CONNECTOR_SCHEMA] },
    );
    await new DatabaseCursorStore(embedded.dataSource, 'chu').set(FEED_STREAM, '812');
    await new DatabaseCursorStore(embedded.dataSource, 'chu').set(
      pullStream('Patient'),
      '2026-04-01T00:00:00.000Z',
    );
    await new DatabaseCursorStore(embedded.dataSource, 'other').set(FEED_STREAM, '5');
    await embedded.close();

    const first = await openCursorStore({ kind: 'file', dataDir: dir }, 'chu', undefined);
    expect((await first.cursors.all()).map((r) => [r.stream, r.position])).toEqual([
      [FEED_STREAM, '812'],
      [pullStream('Patient'), '2026-04-01T00:00:00.000Z'],
    ]);
    await first.cursors.set(FEED_STREAM, '813');
    await first.close();
    expect(existsSync(join(dir, 'cursors-chu.json'))).toBe(true);

    const second = await openCursorStore({ kind: 'file', dataDir: dir }, 'chu', undefined);
    expect(await second.cursors.get(FEED_STREAM)).toBe('813'); // the file's, not imported again
    await second.close();
  });

  it('starts with no cursor in a directory that never held any', async () => {
    const store = await openCursorStore({ kind: 'file', dataDir: join(dir, 'new') }, 'chu', undefined);
    expect(await store.cursors.all()).toEqual([]);
    await store.close();
  });
});
