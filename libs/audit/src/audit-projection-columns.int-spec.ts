import type { Schema } from '@passerelle/store';
import { openDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS } from '@passerelle/testing';
import type { AuditInput } from './audit.types';
import { prepareEvent } from './audit-chain';
import { buildAuditEvent } from './audit-event.builder';
import { catchUpAuditProjection } from './audit-projection';
import { AuditQueries } from './audit-queries';
import { appendAsBefore, asTableOwner, projectedRowOf, variedInput } from './audit-trail.fixtures';
import { verifyAuditChain } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { AUDIT_SCHEMA } from './schema';

/** Patients p-1 to p-3 only: the access report below asks for exactly those. */
const input = (n: number, extra: Partial<AuditInput> = {}): AuditInput => variedInput(n, extra, 4);

/** The audit schema before the projection lost its content (migration 1765900000000). */
const schemaThrough = (name: string): Schema => {
  const at = AUDIT_SCHEMA.migrations.findIndex((m) => m.name === name);
  return { entities: [], migrations: AUDIT_SCHEMA.migrations.slice(0, at + 1) };
};

describe.each(STORE_KINDS)('the projection without content (migration 1765900000000) on %s', (kind) => {
  it('keeps every record readable across the upgrade, and projects records appended with or without their columns', async () => {
    const db = await createTestDatabase(kind);
    try {
      // Records from before the log (copied into it by 1765750000000), then two appended to the
      // log by a hub that sends no columns, left unprojected.
      const old = await openDatabase(db.config, {
        migrate: true,
        schemas: [schemaThrough('AuditPartitions1765640000000')],
      });
      for (const n of [1, 2, 3]) await appendAsBefore(old.dataSource.manager, [input(n)]);
      await old.close();
      const logged = await openDatabase(db.config, {
        migrate: true,
        schemas: [schemaThrough('AuditLog1765750000000')],
      });
      const canonical = [input(4), input(5, { breakGlassReason: 'inconscient', purposeOfUse: 'ETREAT' })]
        .map((i) => prepareEvent(buildAuditEvent(i)).canonical)
        .join('\n');
      await logged.dataSource.query('SELECT audit_log_append($1::text)', [canonical]);
      await logged.close();

      const opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      try {
        const m = opened.dataSource.manager;
        const writer = new AuditWriter(opened.dataSource);
        await writer.record([input(6)]);
        // A hub not yet upgraded still appends without the columns.
        await m.query('SELECT audit_log_append($1::text)', [
          prepareEvent(buildAuditEvent(input(7))).canonical,
        ]);
        await writer.close();
        const stored: { n: string; with_columns: string }[] = await m.query(
          'SELECT count(*) AS n, count(recorded) AS with_columns FROM audit_log',
        );
        expect(stored).toEqual([{ n: '7', with_columns: '1' }]); // only the upgraded writer's record

        const queries = new AuditQueries(opened.dataSource);
        const { events } = await queries.search({ count: 10 });
        expect(events).toHaveLength(7);
        for (const event of events) expect(await queries.read(event.id ?? '')).toEqual(event);
        const projected: Record<string, unknown>[] = await m.query(
          `SELECT id, recorded, patient_id, agency, interaction, outcome, break_glass FROM audit_event ORDER BY seq`,
        );
        expect(projected).toEqual([...events].reverse().map(projectedRowOf));
        expect(projected.filter((r) => r.break_glass)).toHaveLength(1);
        const aboutPatients = projected.filter((r) => r.patient_id !== null);
        expect(aboutPatients.length).toBeGreaterThan(3);
        const report = await queries.accessReport(
          ['p-1', 'p-2', 'p-3'],
          new Date(0),
          new Date(Date.now() + 60_000),
        );
        expect(report.map((r) => r.patientId)).toEqual(aboutPatients.map((r) => r.patient_id));
        expect(await verifyAuditChain(m)).toMatchObject({ ok: true, checked: 7 });
        // The trail's old shape, for people and scripts: the projection with the log's content.
        const trail: { content: { id: string } }[] = await m.query(
          'SELECT content FROM audit_trail ORDER BY seq',
        );
        expect(trail.map((r) => r.content.id)).toEqual(projected.map((r) => r.id));
      } finally {
        await opened.close();
      }
    } finally {
      await db.drop();
    }
  });

  it('finds the log columns edited before they were projected: the projection must agree with the content', async () => {
    const db = await createTestDatabase(kind);
    try {
      const opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      try {
        const writer = new AuditWriter(opened.dataSource);
        await writer.record([input(1), input(2)]);
        await writer.close();
        await asTableOwner(opened.dataSource, [
          `UPDATE audit_log SET patient_id = 'someone-else' WHERE seq = 2`,
        ]);
        await catchUpAuditProjection(opened.dataSource.manager);
        expect((await verifyAuditChain(opened.dataSource.manager)).problems).toEqual([
          { seq: 2, problem: 'projection', detail: 'a column differs from the content' },
        ]);
      } finally {
        await opened.close();
      }
    } finally {
      await db.drop();
    }
  });
});
