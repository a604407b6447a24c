import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { AuditInput } from './audit.types';
import { catchUpAuditProjection } from './audit-projection';
import { asTableOwner, emptyAuditTrail } from './audit-trail.fixtures';
import { verifyAuditChain } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { linkHash } from './canonical-json';
import { AUDIT_SCHEMA } from './schema';

const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'gp-brest',
  clientId: 'gp-brest',
  purposeOfUse: 'TREAT',
  patientId: `p-${n}`,
  resourceType: 'Patient',
  resourceId: `p-${n}`,
  requestId: `req-${n}`,
});

describe.each(STORE_KINDS)('verifyAuditChain on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let writer: AuditWriter;
  const sql = <T = unknown>(query: string, params?: unknown[]): Promise<T> =>
    opened.dataSource.query(query, params);
  const verify = (options = {}) => verifyAuditChain(opened.dataSource.manager, { chunkSize: 3, ...options });
  /** Tampering as a database superuser would: with the append-only triggers switched off. */
  const tamper = (...statements: string[]) => asTableOwner(opened.dataSource, statements);

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
  // A fresh trail of 10 records for each test, projected.
  beforeEach(async () => {
    await emptyAuditTrail(opened.dataSource);
    for (let n = 1; n <= 10; n++) await writer.record([input(n)]);
    await catchUpAuditProjection(opened.dataSource.manager);
  });

  it('accepts an untouched trail, in chunks and by range', async () => {
    const all = await verify();
    expect(all).toMatchObject({ ok: true, checked: 10, problems: [] });
    expect(all.last?.seq).toBe(10);
    expect(await verify({ fromSeq: 4, toSeq: 8 })).toMatchObject({ ok: true, checked: 5 });
    expect(await verify({ fromSeq: 11 })).toMatchObject({ ok: true, checked: 0 });
  });

  // The projection holds no content (the log's is what readers show): its columns must be the log content's.
  const differs = (seq: number) => ({
    seq,
    problem: 'projection',
    detail: 'a column differs from the content',
  });

  it('finds an edited record', async () => {
    await tamper(
      `UPDATE audit_log SET content = replace(content, '"outcome":"0"', '"outcome":"4"') WHERE seq = 5`,
    );
    // The log's record no longer hashes, and no longer is what the projection shows.
    expect(await verify()).toEqual(
      expect.objectContaining({ ok: false, problems: [{ seq: 5, problem: 'edited' }, differs(5)] }),
    );
    expect((await verify({ fromSeq: 5, toSeq: 5 })).problems).toEqual([
      { seq: 5, problem: 'edited' },
      differs(5),
    ]);
  });

  it('finds the projection edited, a row of it deleted, or one added (hiding or inventing an access)', async () => {
    await tamper(
      `UPDATE audit_event SET patient_id = 'someone-else' WHERE seq = 3`,
      `UPDATE audit_event SET outcome = '4' WHERE seq = 4`,
      'DELETE FROM audit_event WHERE seq = 6',
      `INSERT INTO audit_event SELECT 1000, 'invented', recorded, patient_id, agency, interaction, outcome,
         break_glass, hash, prev_hash, appended_at FROM audit_event WHERE seq = 2`,
    );
    expect((await verify()).problems).toEqual([
      { seq: 3, problem: 'projection', detail: 'a column differs from the content' },
      differs(4),
      { seq: 6, problem: 'projection', detail: 'missing from audit_event' },
      { seq: 1000, problem: 'projection', detail: 'in audit_event, not in the log' },
    ]);
  });

  it('checks the projection only as far as it has got, and the log whatever the projection', async () => {
    for (let n = 11; n <= 13; n++) await writer.record([input(n)]);
    expect(await verify()).toMatchObject({ ok: true, checked: 13 }); // 11-13 not projected yet
    await catchUpAuditProjection(opened.dataSource.manager);
    expect(await verify()).toMatchObject({ ok: true, checked: 13 });
  });

  it('finds a deleted record, first, middle or several', async () => {
    await tamper(
      'DELETE FROM audit_log WHERE seq IN (1, 5, 6)',
      'DELETE FROM audit_event WHERE seq IN (1, 5, 6)',
    );
    expect((await verify()).problems).toEqual([
      { seq: 1, problem: 'deleted', detail: '1 missing' },
      { seq: 5, problem: 'deleted', detail: '5-6 missing' },
    ]);
  });

  it('finds a deletion hidden by renumbering', async () => {
    await tamper(
      ...['audit_log', 'audit_event'].flatMap((table) => [
        `DELETE FROM ${table} WHERE seq = 5`,
        `UPDATE ${table} SET seq = seq - 1 WHERE seq > 5`,
      ]),
    );
    expect((await verify()).problems).toEqual([{ seq: 5, problem: 'broken-link' }]);
  });

  it('finds reordered records', async () => {
    await tamper(
      ...['audit_log', 'audit_event'].flatMap((table) => [
        `UPDATE ${table} SET seq = 100 WHERE seq = 3`,
        `UPDATE ${table} SET seq = 3 WHERE seq = 7`,
        `UPDATE ${table} SET seq = 7 WHERE seq = 100`,
      ]),
    );
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.seq)).toEqual([3, 4, 7, 8]);
    expect(new Set(result.problems.map((p) => p.problem))).toEqual(new Set(['reordered']));
  });

  it('finds an edit whose hash was recomputed but whose next link was not', async () => {
    const [row] = await sql<{ prev_hash: string; content: string }[]>(
      'SELECT prev_hash, content FROM audit_log WHERE seq = 5',
    );
    const forged = row.content.replace('"outcome":"0"', '"outcome":"8"');
    const hash = linkHash(row.prev_hash, forged);
    await tamper(
      `UPDATE audit_log SET content = '${forged}', hash = '${hash}' WHERE seq = 5`,
      `UPDATE audit_event SET outcome = '8', hash = '${hash}' WHERE seq = 5`,
    );
    expect((await verify()).problems).toEqual([{ seq: 6, problem: 'broken-link' }]);
  });

  it('is backed by triggers that refuse UPDATE, DELETE and TRUNCATE, and a cursor going back', async () => {
    await expect(sql(`UPDATE audit_log SET hash = prev_hash WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(sql('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
    await expect(sql(`UPDATE audit_event SET outcome = '4' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql('DELETE FROM audit_event WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(sql('TRUNCATE audit_event')).rejects.toThrow(/append-only/);
    await expect(sql('UPDATE audit_projection SET through = 2')).rejects.toThrow(/append-only/);
    expect(await verify()).toMatchObject({ ok: true, checked: 10 });
  });

  it('caps the problems it reports', async () => {
    await tamper(`UPDATE audit_log SET content = replace(content, '"outcome":"0"', '"outcome":"4"')`);
    expect(await verify({ maxProblems: 4 })).toMatchObject({
      ok: false,
      truncated: true,
      problems: { length: 4 },
    });
  });
});
