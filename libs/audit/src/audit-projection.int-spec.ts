import type { Schema } from '@passerelle/store';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { auditProjectedThrough, AuditProjector, catchUpAuditProjection } from './audit-projection';
import { AuditQueries } from './audit-queries';
import { appendAsBefore, emptyAuditTrail, projectedRowOf, variedInput } from './audit-trail.fixtures';
import { verifyAuditChain } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { AUDIT_SCHEMA } from './schema';
import type { AuditEvent } from 'fhir/r4';

const input = variedInput;
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

interface Projected {
  id: string;
  recorded: Date;
  patient_id: string | null;
  agency: string | null;
  interaction: string;
  outcome: string;
  break_glass: boolean;
  content: AuditEvent;
}

describe.each(STORE_KINDS)('the audit projection on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let writer: AuditWriter;
  const count = async (): Promise<number> =>
    Number((await opened.dataSource.query<{ n: string }[]>('SELECT count(*) AS n FROM audit_event'))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    writer = new AuditWriter(opened.dataSource);
  });
  afterAll(async () => {
    await writer.close();
    await opened.close();
    await db.drop();
  });
  beforeEach(() => emptyAuditTrail(opened.dataSource));

  it('is built after the append, with the columns columnsOf derives, and catches up on demand', async () => {
    await Promise.all([
      ...range(1, 11).map((n) => writer.record([input(n)])),
      writer.record([
        input(12, { breakGlassReason: 'inconscient', purposeOfUse: 'ETREAT', patientId: 'p-bg' }),
      ]),
    ]);
    // Durable in the log, not yet in the projection: no projector runs here.
    expect(writer.committedThrough).toBe(12);
    expect(await count()).toBe(0);
    expect(await catchUpAuditProjection(opened.dataSource.manager)).toBe(12);
    expect(await auditProjectedThrough(opened.dataSource.manager)).toBe(12);
    const rows: Projected[] = await opened.dataSource.query(
      `SELECT id, recorded, patient_id, agency, interaction, outcome, break_glass, content FROM audit_trail ORDER BY seq`,
    );
    expect(rows).toHaveLength(12);
    for (const { content, ...row } of rows) {
      expect({ ...row, recorded: new Date(row.recorded) }).toEqual(projectedRowOf(content));
    }
    expect(rows.filter((r) => r.break_glass).map((r) => r.patient_id)).toEqual(['p-bg']);
    expect(rows.filter((r) => r.patient_id === null)).toHaveLength(2); // 5 and 10 name no patient
    expect(await catchUpAuditProjection(opened.dataSource.manager)).toBe(0); // nothing twice
    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 12 });
  });

  it('lets a reader see what was just written: the queries catch up before reading', async () => {
    const [id] = await writer.record([input(1)]);
    const queries = new AuditQueries(opened.dataSource);
    expect((await queries.read(id))?.id).toBe(id);
    await writer.record([input(2)]);
    expect((await queries.search({ count: 10 })).events).toHaveLength(2);
  });

  it('projects in batches, rolls back with the transaction it runs in, and goes on from its cursor', async () => {
    await writer.record(range(1, 25).map((n) => input(n)));
    await expect(
      opened.dataSource.transaction(async (tx) => {
        expect(await catchUpAuditProjection(tx, 10)).toBe(25);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await auditProjectedThrough(opened.dataSource.manager)).toBe(0);
    expect(await count()).toBe(0);
    expect(await catchUpAuditProjection(opened.dataSource.manager, 10)).toBe(25);
    expect(await count()).toBe(25);
  });

  it('catches up at start, follows the log, and projects what is left on close', async () => {
    await writer.record(range(1, 5).map((n) => input(n)));
    const projector = new AuditProjector(opened.dataSource.manager, { intervalMs: 60_000 });
    await projector.start();
    expect(await count()).toBe(5);
    await writer.record([input(6)]);
    await projector.projectedThrough(writer.committedThrough);
    expect(await count()).toBe(6);
    await writer.record([input(7)]);
    await projector.close();
    expect(await count()).toBe(7);
  });

  if (kind === 'postgres') {
    it('has one projector at a time across processes, each record projected once', async () => {
      const others = await Promise.all([1, 2].map(() => openDatabase(db.config, { migrate: false })));
      try {
        const writing = range(1, 30).map((n) => writer.record(range(1, 10).map((k) => input(n * 10 + k))));
        const projecting = [opened, ...others].flatMap((o) =>
          range(1, 10).map(() => catchUpAuditProjection(o.dataSource.manager, 7)),
        );
        await Promise.all([...writing, ...projecting]);
        await catchUpAuditProjection(opened.dataSource.manager);
        expect(await count()).toBe(300);
        expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 300 });
        // While one holds the projector's lock, another that will not wait leaves at once.
        await opened.dataSource.transaction(async (tx) => {
          await tx.query('SELECT audit_project(1, true)');
          const [other] = await others[0].dataSource.query<{ n: number }[]>(
            'SELECT audit_project(1, false) AS n',
          );
          expect(Number(other.n)).toBe(-1);
        });
      } finally {
        await Promise.all(others.map((o) => o.close()));
      }
    });
  }
});

/** The audit schema before the log (migration 1765750000000). */
const BEFORE_LOG: Schema = { entities: [], migrations: AUDIT_SCHEMA.migrations.slice(0, 4) };

describe.each(STORE_KINDS)('the audit log migration on %s', (kind) => {
  it('moves the trail into the log keeping every link, and its down puts back what the log holds', async () => {
    const db = await createTestDatabase(kind);
    try {
      const old = await openDatabase(db.config, { migrate: true, schemas: [BEFORE_LOG] });
      for (const n of range(1, 6)) await appendAsBefore(old.dataSource.manager, [input(n)]);
      const before: unknown[] = await old.dataSource.query(
        'SELECT seq, hash, prev_hash FROM audit_event ORDER BY seq',
      );
      await old.close();

      let opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      const logged = () => opened.dataSource.query('SELECT seq, hash, prev_hash FROM audit_log ORDER BY seq');
      const projected = () =>
        opened.dataSource.query('SELECT seq, hash, prev_hash FROM audit_event ORDER BY seq');
      expect(await logged()).toEqual(before);
      expect(await auditProjectedThrough(opened.dataSource.manager)).toBe(6);
      const writer = new AuditWriter(opened.dataSource);
      await writer.record([input(7), input(8)]);
      // A hub not yet upgraded appends through the old function: into the log all the same.
      await appendAsBefore(opened.dataSource.manager, [input(9)]);
      await writer.close();
      expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 9 });
      const all = await logged();

      // Down: 7-9 were never projected; they are in audit_event afterwards, and the old append goes on.
      for (;;) {
        const [last] = await opened.dataSource.query<{ name: string }[]>(
          `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
        );
        await opened.dataSource.undoLastMigration({ transaction: 'all' });
        if (!last || last.name === 'AuditLog1765750000000') break;
      }
      expect(await opened.dataSource.query(`SELECT to_regclass('audit_log') AS t`)).toEqual([{ t: null }]);
      expect(await projected()).toEqual(all);
      await appendAsBefore(opened.dataSource.manager, [input(10)]);
      await opened.close();

      opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, checked: 10 });
      expect(await logged()).toEqual(await projected());
      await opened.close();
    } finally {
      await db.drop();
    }
  });
});
