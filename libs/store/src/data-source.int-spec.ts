import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  createPgliteDatabase,
  createTestDatabase,
  STORE_KINDS,
  type TestDatabase,
} from '@passerelle/testing-lib';
import { openDatabase } from './data-source';

describe.each(STORE_KINDS)('openDatabase on %s', (kind) => {
  let db: TestDatabase;
  // A new DATA_DIR on PGlite, empty: openDatabase creates the cluster in it (initdb), as at a
  // hub's first start, and that is part of what is tested here (the files' modes in particular).
  beforeEach(async () => {
    db = kind === 'pglite' ? createPgliteDatabase() : await createTestDatabase(kind);
  });
  afterEach(() => db.drop());

  it('runs the migrations and keeps rows across a reopen', async () => {
    const first = await openDatabase(db.config, { migrate: true });
    await first.dataSource.query(
      `INSERT INTO resource (resource_type, id, version_id, last_updated, content) VALUES ('Patient', 'p1', 1, now(), '{"resourceType":"Patient"}')`,
    );
    await first.close();
    const second = await openDatabase(db.config, { migrate: true });
    const rows: { id: string }[] = await second.dataSource.query(`SELECT id FROM resource`);
    expect(rows).toEqual([{ id: 'p1' }]);
    await second.close();
  });

  if (kind === 'pglite') {
    it('refuses a second opening of the same data directory', async () => {
      const first = await openDatabase(db.config, { migrate: true });
      await expect(openDatabase(db.config, { migrate: false })).rejects.toThrow(/in use by process/);
      await first.close();
    });

    it('leaves nothing in the data directory that other users may read, open or closed', async () => {
      const dataDir = db.config.kind === 'pglite' ? db.config.dataDir : '';
      /** Every path under the data directory whose mode gives group or others any access. */
      const open = () =>
        (readdirSync(dataDir, { recursive: true }) as string[])
          .map((name) => join(dataDir, name))
          .filter((path) => (statSync(path).mode & 0o077) !== 0);
      const opened = await openDatabase(db.config, { migrate: true });
      await opened.dataSource.query(`CREATE TABLE scratch (n int)`);
      expect(open()).toEqual([]);
      await opened.close();
      expect(open()).toEqual([]);
    });
  }
});
