import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { AuditInput } from './audit.types';
import { catchUpAuditProjection } from './audit-projection';
import { emptyAuditTrail } from './audit-trail.fixtures';
import { verifyAuditChain } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { AUDIT_SCHEMA } from './schema';

function input(n: number, patientId = `p-${n % 7}`): AuditInput {
  return {
    interaction: 'read',
    outcome: 'success',
    agency: `agency-${n % 3}`,
    clientId: `agency-${n % 3}`,
    purposeOfUse: 'TREAT',
    patientId,
    resourceType: 'Patient',
    resourceId: patientId,
    requestId: `req-${n}`,
  };
}

async function seqs(opened: OpenDatabase): Promise<number[]> {
  const rows: { seq: string }[] = await opened.dataSource.query('SELECT seq FROM audit_log ORDER BY seq');
  return rows.map((r) => Number(r.seq));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(STORE_KINDS)('AuditWriter on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
  });
  afterAll(async () => {
    await opened.close();
    await db.drop();
  });
  // Each test starts a new trail: emptied as only a superuser could (the triggers refuse TRUNCATE).
  beforeEach(() => emptyAuditTrail(opened.dataSource));

  it('writes concurrent records in one flush and resolves after commit', async () => {
    const writer = new AuditWriter(opened.dataSource);
    const ids = await Promise.all(range(50).map((n) => writer.record([input(n)])));
    expect(writer.stats).toMatchObject({ flushes: 1, events: 50, largestFlush: 50 });
    expect(writer.committedThrough).toBe(50);
    const logged: { id: string }[] = await opened.dataSource.query(
      'SELECT content::jsonb->>$1 AS id FROM audit_log ORDER BY seq',
      ['id'],
    );
    expect(logged.map((r) => r.id)).toEqual(ids.flat());
    // The searchable projection follows once caught up, in the same order.
    await catchUpAuditProjection(opened.dataSource.manager);
    const stored: { id: string }[] = await opened.dataSource.query('SELECT id FROM audit_event ORDER BY seq');
    expect(stored.map((r) => r.id)).toEqual(ids.flat());
    await writer.close();
  });

  it.each([1, 2, 4])(
    'keeps a valid chain under 50 concurrent writers, %i flushes in flight',
    async (maxInFlight) => {
      const writer = new AuditWriter(opened.dataSource, { maxBatch: 64, maxInFlight });
      const flushes: number[] = [];
      const observed = new AuditWriter(opened.dataSource, { onFlush: (n) => flushes.push(n), maxInFlight });
      await Promise.all(
        range(50).map(async (w) => {
          for (let i = 0; i < 6; i++) {
            await (w % 2 ? writer : observed).record([input(w * 10 + i), input(w * 10 + i + 1)]);
            if (i % 2) await sleep(w % 4);
          }
        }),
      );
      expect(await seqs(opened)).toEqual(range(600));
      expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({
        ok: true,
        checked: 600,
        problems: [],
      });
      // Group commit: far fewer transactions than records.
      expect(writer.stats.flushes + observed.stats.flushes).toBeLessThan(150);
      expect(writer.stats.largestFlush).toBeLessThanOrEqual(64);
      expect(flushes.reduce((a, b) => a + b, 0)).toBe(300);
      await Promise.all([writer.close(), observed.close()]);
    },
  );

  it('numbers on from the head and never splits a caller', async () => {
    const writer = new AuditWriter(opened.dataSource, { maxBatch: 3 });
    await writer.record([input(1)]);
    const [a, b] = await Promise.all([
      writer.record(range(5).map((n) => input(n))),
      writer.record([input(9)]),
    ]);
    expect(a).toHaveLength(5);
    expect(b).toHaveLength(1);
    expect(writer.stats.largestFlush).toBe(5);
    expect(await seqs(opened)).toEqual(range(7));
    await writer.close();
  });

  it('rejects every caller of a failed flush, then carries on', async () => {
    const writer = new AuditWriter(opened.dataSource);
    await opened.dataSource.query('ALTER TABLE audit_log RENAME TO audit_log_away');
    const results = await Promise.allSettled(range(5).map((n) => writer.record([input(n)])));
    expect(results.map((r) => r.status)).toEqual(Array(5).fill('rejected'));
    expect(writer.stats.failedFlushes).toBe(1);
    await opened.dataSource.query('ALTER TABLE audit_log_away RENAME TO audit_log');
    await writer.record([input(6)]);
    expect(await seqs(opened)).toEqual([1]);
    await writer.close();
  });

  it('rejects a bad input on its own, without failing the others', async () => {
    const writer = new AuditWriter(opened.dataSource);
    const results = await Promise.allSettled([
      writer.record([input(1)]),
      writer.record([{ ...input(2), patientId: 'not/an/id' }]),
      writer.record([input(3)]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await writer.close();
  });

  it('recordIn commits and rolls back with the caller transaction', async () => {
    const writer = new AuditWriter(opened.dataSource);
    await writer.record([input(1)]);
    await expect(
      opened.dataSource.transaction(async (tx) => {
        await writer.recordIn(tx, [input(2), input(3)]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await seqs(opened)).toEqual([1]);
    const ids = await opened.dataSource.transaction((tx) => writer.recordIn(tx, [input(4)]));
    expect(ids).toHaveLength(1);
    await writer.record([input(5)]);
    expect(await seqs(opened)).toEqual([1, 2, 3]); // no gap left by the rollback
    expect((await verifyAuditChain(opened.dataSource.manager)).ok).toBe(true);
    await expect(writer.recordIn(opened.dataSource.manager, [input(6)])).rejects.toThrow(
      /inside a transaction/,
    );
    await writer.close();
  });

  it('links in the database exactly as the verifier does in JS, whatever the characters', async () => {
    // The database hashes UTF-8 (audit_append); JavaScript must agree on every code point.
    const reasons = ['Hélène, inconsciente', 'Ωμέγα', '😀 "quoted" \\ back\\slash', 'tab\tnbsp\u00a0end'];
    const writer = new AuditWriter(opened.dataSource);
    await Promise.all(
      reasons.map((breakGlassReason, n) => writer.record([{ ...input(n), breakGlassReason }])),
    );
    const stored: { content: string }[] = await opened.dataSource.query(
      'SELECT content FROM audit_log ORDER BY seq',
    );
    for (const reason of reasons)
      expect(stored.map((r) => r.content).join('\n')).toContain(JSON.stringify(reason).slice(1, -1));
    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 4 });
    await writer.close();
  });

  it('flushes what is queued on close, then refuses records', async () => {
    const writer = new AuditWriter(opened.dataSource, { lingerMs: 50 });
    const pending = Promise.all(range(10).map((n) => writer.record([input(n)])));
    await writer.close();
    expect((await pending).flat()).toHaveLength(10);
    expect(await seqs(opened)).toEqual(range(10));
    await expect(writer.record([input(11)])).rejects.toThrow(/closed/);
  });

  if (kind === 'postgres') {
    it('flushes on a connection of its own, kept between flushes and given back on close', async () => {
      const pool = (
        opened.dataSource.driver as unknown as { master: { totalCount: number; idleCount: number } }
      ).master;
      const busy = () => pool.totalCount - pool.idleCount;
      const writer = new AuditWriter(opened.dataSource);
      await writer.record([input(1)]);
      await writer.record([input(2)]);
      expect(busy()).toBe(1); // the writer's, out of the pool the reads share
      await writer.close();
      expect(busy()).toBe(0);
      expect(await seqs(opened)).toEqual(range(2));
    });

    it('keeps one valid chain with three hub instances writing at once', async () => {
      const others = await Promise.all([1, 2].map(() => openDatabase(db.config, { migrate: false })));
      const writers = [opened, ...others].map((o) => new AuditWriter(o.dataSource));
      try {
        await Promise.all(
          writers.flatMap((writer, h) =>
            range(20).map(async (c) => {
              for (let i = 0; i < 5; i++) await writer.record([input(h * 1000 + c * 10 + i)]);
            }),
          ),
        );
        expect(await seqs(opened)).toEqual(range(300));
        expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 300 });
      } finally {
        await Promise.all(writers.map((w) => w.close()));
        await Promise.all(others.map((o) => o.close()));
      }
    });
  }
});
