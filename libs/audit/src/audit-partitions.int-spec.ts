import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Schema } from '@passerelle/store';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import {
  createTestDatabase,
  STORE_KINDS,
  TEST_POSTGRES_URL,
  type TestDatabase,
} from '@passerelle/testing-lib';
import { Client } from 'pg';
import type { EntityManager } from 'typeorm';
import type { AuditInput } from './audit.types';
import { AuditCheckpointer } from './audit-checkpointer';
import {
  AuditPartitionError,
  AuditPartitionKeeper,
  detachAuditMonth,
  ensureAuditPartitions,
  listAuditPartitions,
} from './audit-partitions';
import { catchUpAuditProjection } from './audit-projection';
import { appendAsBefore } from './audit-trail.fixtures';
import { verifyAuditChain, verifyAuditTrail } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { AUDIT_SCHEMA } from './schema';

const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: `agency-${n % 3}`,
  clientId: `agency-${n % 3}`,
  patientId: `p-${n % 5}`,
  requestId: `req-${n}`,
});
/** The audit schema as it was before its table was partitioned (migration 1765640000000). */
const UNPARTITIONED: Schema = { entities: [], migrations: AUDIT_SCHEMA.migrations.slice(0, 3) };

const now = new Date();
const monthsAgo = (k: number, day = 10) =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, day, 12));
const monthOf = (d: Date) => d.toISOString().slice(0, 7);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

interface Link {
  seq: string;
  hash: string;
  prev_hash: string;
}
/** The chain's links as `table` holds them: the log (`audit_log`) or the projection (`audit_event`). */
const links = (o: OpenDatabase, table = 'audit_event'): Promise<Link[]> =>
  o.dataSource.query(`SELECT seq, hash, prev_hash FROM ${table} ORDER BY seq`);

describe.each(STORE_KINDS)('the audit trail partitioned by month on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let before: Link[];
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-partitions-'));
    db = await createTestDatabase(kind);
    // A trail written before the upgrade: two months ago, last month (one record's clock behind
    // the one before it, as two hubs' clocks can be), and this month.
    const old = await openDatabase(db.config, { migrate: true, schemas: [UNPARTITIONED] });
    const at = [
      ...[1, 2, 3, 4, 5].map((d) => monthsAgo(2, d)),
      ...[1, 2, 20, 15, 21].map((d) => monthsAgo(1, d)),
      ...[now, now, now],
    ];
    for (const [i, recorded] of at.entries())
      await appendAsBefore(old.dataSource.manager, [input(i)], recorded);
    before = await links(old);
    await old.close();
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves every record into its month, links unchanged, and the chain verifies as before', async () => {
    expect(await links(opened)).toEqual(before);
    expect(await links(opened, 'audit_log')).toEqual(before);
    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 13 });
    const { attached, archived } = await listAuditPartitions(opened.dataSource.manager);
    expect(archived).toEqual([]);
    expect(attached.slice(0, 3)).toEqual([
      expect.objectContaining({ month: monthOf(monthsAgo(2)), firstSeq: 1, lastSeq: 5 }),
      expect.objectContaining({ month: monthOf(monthsAgo(1)), firstSeq: 6, lastSeq: 10 }),
      expect.objectContaining({ month: monthOf(now), firstSeq: 11, lastSeq: 13 }),
    ]);
    // Three months ahead, empty.
    expect(attached.slice(3).map((p) => [p.month, p.firstSeq])).toEqual(
      [-1, -2, -3].map((k) => [monthOf(monthsAgo(k)), null]),
    );
    // The partition key grows with seq (the running maximum of the clocks that wrote them).
    const stamps: { appended_at: Date }[] = await opened.dataSource.query(
      'SELECT appended_at FROM audit_event ORDER BY seq',
    );
    const times = stamps.map((s) => new Date(s.appended_at).getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('appends into the current month and makes the months ahead only once', async () => {
    const writer = new AuditWriter(opened.dataSource);
    await Promise.all([13, 14, 15, 16, 17].map((n) => writer.record([input(n)])));
    await writer.close();
    expect(await ensureAuditPartitions(opened.dataSource.manager)).toBe(0);
    const { attached } = await listAuditPartitions(opened.dataSource.manager);
    expect(attached.find((p) => p.month === monthOf(now))).toMatchObject({ firstSeq: 11, lastSeq: 18 });
    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 18 });
  });

  it('has the keeper make a missing month ahead again when it starts', async () => {
    const furthest = monthOf(monthsAgo(-3));
    await opened.dataSource.query(`DROP TABLE audit_event_y${furthest.replace('-', 'm')}`);
    const errors: unknown[] = [];
    const keeper = new AuditPartitionKeeper(opened.dataSource.manager, { onError: (e) => errors.push(e) });
    await keeper.start();
    keeper.close();
    expect(errors).toEqual([]);
    const { attached } = await listAuditPartitions(opened.dataSource.manager);
    expect(attached.at(-1)).toMatchObject({ month: furthest, firstSeq: null });
  });

  it('refuses an append from a transaction that is not READ COMMITTED (its head could be stale)', async () => {
    const writer = new AuditWriter(opened.dataSource);
    await expect(
      opened.dataSource.transaction('REPEATABLE READ', (m) => writer.recordIn(m, [input(99)])),
    ).rejects.toThrow(/READ COMMITTED/);
  });

  it('refuses to detach the current month, a month not the oldest, or a malformed one', async () => {
    const m = opened.dataSource.manager;
    await expect(detachAuditMonth(m, monthOf(now))).rejects.toThrow(/not over yet/);
    await expect(detachAuditMonth(m, monthOf(monthsAgo(1)))).rejects.toThrow(
      new AuditPartitionError(`detach ${monthOf(monthsAgo(2))} first: months go oldest first`),
    );
    await expect(detachAuditMonth(m, '2026-13')).rejects.toThrow(/YYYY-MM/);
  });

  it('refuses a month whose records do not verify, and changes nothing', async () => {
    const [{ content }]: { content: string }[] = await opened.dataSource.query(
      'SELECT content FROM audit_log WHERE seq = 3',
    );
    const set = (value: string) =>
      opened.dataSource.query('UPDATE audit_log SET content = $1 WHERE seq = 3', [value]);
    await opened.dataSource.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    try {
      await set(content.replace('"outcome":"0"', '"outcome":"8"'));
      await expect(detachAuditMonth(opened.dataSource.manager, monthOf(monthsAgo(2)))).rejects.toThrow(
        /does not verify/,
      );
      await set(content);
    } finally {
      await opened.dataSource.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    }
    const { attached, archived } = await listAuditPartitions(opened.dataSource.manager);
    expect(archived).toEqual([]);
    expect(attached[0]).toMatchObject({ month: monthOf(monthsAgo(2)), firstSeq: 1, lastSeq: 5 });
  });

  it('detaches the oldest months, signs where the chain kept starts, and that chain still verifies', async () => {
    const m = opened.dataSource.manager;
    const checkpointer = new AuditCheckpointer(m, { dir, privateKey, intervalMs: 60_000 });
    const sign = (seq: number, hash: string) => checkpointer.sign(seq, hash);
    const oldest = monthOf(monthsAgo(2));
    const table = `audit_event_y${oldest.slice(0, 4)}m${oldest.slice(5)}`;

    const archive = await detachAuditMonth(m, oldest, { sign });
    expect(archive).toMatchObject({
      month: oldest,
      table,
      rows: 5,
      firstSeq: 1,
      lastSeq: 5,
      lastHash: before[4].hash,
    });
    // Out of the trail, still in the database (append-only) for the operator to dump and drop.
    for (const parent of ['audit_event', 'audit_log'])
      expect(await opened.dataSource.query(`SELECT min(seq)::int AS first FROM ${parent}`)).toEqual([
        { first: 6 },
      ]);
    for (const detached of [table, table.replace('audit_event_', 'audit_log_')]) {
      expect(await opened.dataSource.query(`SELECT count(*)::int AS n FROM ${detached}`)).toEqual([{ n: 5 }]);
      await expect(opened.dataSource.query(`DELETE FROM ${detached}`)).rejects.toThrow(/append-only/);
    }

    const source = { dir, publicKeys: [publicKey] };
    expect(await verifyAuditTrail(m, source)).toMatchObject({ ok: true, checked: 13, archivedThrough: 5 });
    // Appends go on from the chain kept; the next month goes the same way.
    const writer = new AuditWriter(opened.dataSource);
    await writer.record([input(18), input(19)]);
    await writer.close();
    expect(await detachAuditMonth(m, monthOf(monthsAgo(1)), { sign })).toMatchObject({
      rows: 5,
      firstSeq: 6,
      lastSeq: 10,
      lastHash: before[9].hash,
    });
    const kept = await verifyAuditTrail(m, source);
    expect(kept).toMatchObject({ ok: true, checked: 10, archivedThrough: 10, last: { seq: 20 } });
    expect(kept.checkpoints).toMatchObject({ read: 2, used: 0, problems: [] });
    const { archived } = await listAuditPartitions(m);
    expect(archived.map((a) => [a.month, a.lastSeq])).toEqual([
      [oldest, 5],
      [monthOf(monthsAgo(1)), 10],
    ]);

    // An archive end that a signed checkpoint of the same record contradicts is reported.
    await checkpointer.sign(10, 'f'.repeat(64));
    expect(await verifyAuditTrail(m, source)).toMatchObject({
      ok: false,
      problems: [{ seq: 10, problem: 'rewritten' }],
    });
  });
});

describe.each(STORE_KINDS)('reverting the audit partitioning on %s', (kind) => {
  it('puts every attached record back in one table, and the upgrade runs again', async () => {
    const db = await createTestDatabase(kind);
    try {
      let opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      const writer = new AuditWriter(opened.dataSource);
      await Promise.all([1, 2, 3].map((n) => writer.record([input(n)])));
      await writer.close();
      const written = await links(opened, 'audit_log');
      // Undo the migrations after the partitioning (other libs' later ones), then the partitioning.
      for (;;) {
        const [last] = await opened.dataSource.query<{ name: string }[]>(
          `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
        );
        await opened.dataSource.undoLastMigration({ transaction: 'all' });
        if (!last || last.name === 'AuditPartitions1765640000000') break;
      }
      const [{ relkind }]: { relkind: string }[] = await opened.dataSource.query(
        `SELECT relkind FROM pg_class WHERE relname = 'audit_event'`,
      );
      expect(relkind).toBe('r');
      expect(await links(opened)).toEqual(written);
      await opened.close();
      opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      expect(await links(opened)).toEqual(written);
      expect(await links(opened, 'audit_log')).toEqual(written);
      expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 3 });
      await opened.close();
    } finally {
      await db.drop();
    }
  });
});

describe('the audit partitions under a hub role that does not own the table (PostgreSQL)', () => {
  it('makes the months ahead as the owner, appends, and can neither make a table nor detach one', async () => {
    const db = await createTestDatabase('postgres');
    const role = `passerelle_app_${Math.random().toString(36).slice(2, 10)}`;
    const opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    const ds = opened.dataSource;
    try {
      await ds.query(`CREATE ROLE ${role}`);
      await ds.query(`GRANT USAGE ON SCHEMA public TO ${role}`);
      await ds.query(`GRANT SELECT, INSERT ON audit_event, audit_log TO ${role}`);
      await ds.query(`GRANT SELECT, UPDATE ON audit_projection TO ${role}`);
      await ds.query(`GRANT SELECT ON audit_archive TO ${role}`);
      const asRole = <T>(work: (m: EntityManager) => Promise<T>) =>
        ds.transaction(async (m) => {
          await m.query(`SET LOCAL ROLE ${role}`);
          return work(m);
        });
      expect(await asRole((m) => ensureAuditPartitions(m, 5))).toBe(2); // months 4 and 5 ahead
      const writer = new AuditWriter(ds);
      await asRole((m) => writer.recordIn(m, [input(1), input(2)]));
      expect(await asRole((m) => catchUpAuditProjection(m))).toBe(2);
      expect(await verifyAuditChain(ds.manager)).toMatchObject({ ok: true, checked: 2 });
      await expect(
        asRole((m) =>
          m.query(`CREATE TABLE audit_event_y2099m01 PARTITION OF audit_event
                     FOR VALUES FROM ('2099-01-01') TO ('2099-02-01')`),
        ),
      ).rejects.toThrow(/permission denied for schema|must be owner/);
      const last = (await listAuditPartitions(ds.manager)).attached.at(-1);
      await expect(
        asRole((m) => m.query(`ALTER TABLE audit_event DETACH PARTITION ${last?.table ?? 'none'}`)),
      ).rejects.toThrow(/must be owner/);
    } finally {
      await opened.close();
      await db.drop();
      const admin = new Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.end();
    }
  });
});
