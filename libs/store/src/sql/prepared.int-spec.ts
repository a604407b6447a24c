import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { openDatabase, type OpenDatabase } from '../data-source';
import { MAX_SHAPES, queryShaped } from './prepared';
import type { Db } from './resource-sql';

describe.each(STORE_KINDS)('built statements prepared by shape on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  /** The statements prepared on the connection `m` holds, by text. */
  const preparedOn = async (m: Db): Promise<Set<string>> =>
    new Set(
      (await m.query<{ statement: string }[]>('SELECT statement FROM pg_prepared_statements')).map(
        (r) => r.statement,
      ),
    );

  it('prepares each shape once per connection, answers every call, and runs shapes past the bound unnamed', async () => {
    await opened.dataSource.transaction(async (m) => {
      const shape = (i: number) => `SELECT $1::int + ${i} AS n`;
      // The same text twice: one statement, both answered with their own values.
      expect(await queryShaped(m, shape(0), [1])).toEqual([{ n: 1 }]);
      expect(await queryShaped(m, shape(0), [41])).toEqual([{ n: 41 }]);
      expect(await preparedOn(m)).toContain(shape(0));
      // Up to the bound, every new text is prepared; past it, answered all the same, not kept.
      for (let i = 1; i <= MAX_SHAPES; i++)
        expect(await queryShaped(m, shape(i), [1])).toEqual([{ n: 1 + i }]);
      const kept = await preparedOn(m);
      expect(kept).toContain(shape(MAX_SHAPES - 1));
      expect(kept).not.toContain(shape(MAX_SHAPES));
      expect(await queryShaped(m, shape(MAX_SHAPES), [2])).toEqual([{ n: 2 + MAX_SHAPES }]);
    });
  });

  it('a statement that fails to prepare leaves its name usable', async () => {
    await opened.dataSource.transaction(async (m) => {
      // Checked at Parse: no such column. The shape is named, the statement never created.
      const bad = 'SELECT no_such_column FROM pg_class WHERE relname = $1';
      await expect(queryShaped(m, bad, ['x'])).rejects.toThrow(/no_such_column/);
    });
    // Another transaction (the failed one rolled back), same text: the same error, not "prepared
    // statement does not exist" (node-postgres forgets a name whose Parse failed).
    await opened.dataSource.transaction(async (m) => {
      await expect(
        queryShaped(m, 'SELECT no_such_column FROM pg_class WHERE relname = $1', ['x']),
      ).rejects.toThrow(/no_such_column/);
    });
  });
});
