import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { IDENTITY_SCHEMA } from '../schema';
import { JtiStore } from './jti-store';

describe.each(STORE_KINDS)('JtiStore on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  const clock = { now: Date.UTC(2027, 0, 1) };
  const inSeconds = (s: number) => new Date(clock.now + s * 1000);
  const store = () => new JtiStore(opened.dataSource, { now: () => clock.now });
  const open = () => openDatabase(db.config, { migrate: true, schemas: [IDENTITY_SCHEMA] });
  const rows = async (): Promise<{ client_id: string; jti: string }[]> =>
    opened.dataSource.query('SELECT client_id, jti FROM used_jti ORDER BY client_id, jti');

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await open();
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  it('accepts a jti once per client, and the same jti from another client', async () => {
    const jtis = store();
    expect(await jtis.claim('chu-nantes', 'a', inSeconds(300))).toBe(true);
    expect(await jtis.claim('chu-nantes', 'a', inSeconds(300))).toBe(false);
    expect(await jtis.claim('cabinet-a', 'a', inSeconds(300))).toBe(true);
  });

  it('refuses a replay while the jti lives, and takes over a dead row the purge has not reached', async () => {
    const jtis = new JtiStore(opened.dataSource, {
      now: () => clock.now,
      purgeEveryMs: Number.MAX_SAFE_INTEGER,
    });
    expect(await jtis.claim('chu-nantes', 'b', inSeconds(60))).toBe(true);
    clock.now += 59_000;
    expect(await jtis.claim('chu-nantes', 'b', inSeconds(60))).toBe(false);
    clock.now += 1_000;
    expect(await jtis.claim('chu-nantes', 'b', inSeconds(60))).toBe(true);
    expect(await jtis.claim('chu-nantes', 'b', inSeconds(60))).toBe(false);
  });

  it('lets exactly one of many concurrent claims win', async () => {
    const jtis = store();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => jtis.claim('chu-nantes', 'race', inSeconds(300))),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('purges rows past their time, and only those', async () => {
    const jtis = store();
    await jtis.claim('purge', 'old', inSeconds(10));
    await jtis.claim('purge', 'new', inSeconds(600));
    clock.now += 11_000;
    expect(await jtis.purge()).toBeGreaterThanOrEqual(1);
    const left = (await rows()).filter((r) => r.client_id === 'purge').map((r) => r.jti);
    expect(left).toEqual(['new']);
  });

  it('purges on its own while claiming, at most once per interval', async () => {
    const jtis = new JtiStore(opened.dataSource, { now: () => clock.now, purgeEveryMs: 60_000 });
    await jtis.claim('auto', 'first', inSeconds(5));
    clock.now += 6_000;
    await jtis.claim('auto', 'second', inSeconds(300));
    expect((await rows()).filter((r) => r.client_id === 'auto').map((r) => r.jti)).toEqual([
      'first',
      'second',
    ]);
    clock.now += 60_000;
    await jtis.claim('auto', 'third', inSeconds(300));
    expect((await rows()).filter((r) => r.client_id === 'auto').map((r) => r.jti)).toEqual([
      'second',
      'third',
    ]);
  });

  it('still refuses a replay after the database is closed and reopened (a hub restart)', async () => {
    expect(await store().claim('restart', 'r', inSeconds(300))).toBe(true);
    await opened.close();
    opened = await open();
    expect(await store().claim('restart', 'r', inSeconds(300))).toBe(false);
  });
});
