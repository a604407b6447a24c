import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { AuditInput } from './audit.types';
import { verifyAuditChain } from './audit-verifier';
import { AuditWriter } from './audit-writer';
import { chainHash } from './canonical-json';
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
  /** Tampering as a database superuser would: with the append-only trigger switched off. */
  const tamper = async (...statements: string[]) => {
    await sql('ALTER TABLE audit_event DISABLE TRIGGER USER');
    for (const s of statements) await sql(s);
    await sql('ALTER TABLE audit_event ENABLE TRIGGER USER');
  };

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
  // A fresh trail of 10 records for each test.
  beforeEach(async () => {
    await tamper('TRUNCATE audit_event');
    for (let n = 1; n <= 10; n++) await writer.record([input(n)]);
  });

  it('accepts an untouched trail, in chunks and by range', async () => {
    const all = await verify();
    expect(all).toMatchObject({ ok: true, checked: 10, problems: [] });
    expect(all.last?.seq).toBe(10);
    expect(await verify({ fromSeq: 4, toSeq: 8 })).toMatchObject({ ok: true, checked: 5 });
    expect(await verify({ fromSeq: 11 })).toMatchObject({ ok: true, checked: 0 });
  });

  it('finds an edited record', async () => {
    await tamper(`UPDATE audit_event SET content = jsonb_set(content, '{outcome}', '"4"') WHERE seq = 5`);
    expect(await verify()).toEqual(
      expect.objectContaining({ ok: false, problems: [{ seq: 5, problem: 'edited' }] }),
    );
    expect((await verify({ fromSeq: 5, toSeq: 5 })).problems).toEqual([{ seq: 5, problem: 'edited' }]);
  });

  it('finds an indexed column edited alone', async () => {
    await tamper(`UPDATE audit_event SET patient_id = 'someone-else' WHERE seq = 3`);
    expect((await verify()).problems).toEqual([{ seq: 3, problem: 'edited' }]);
  });

  it('finds a deleted record, first, middle or several', async () => {
    await tamper('DELETE FROM audit_event WHERE seq IN (1, 5, 6)');
    expect((await verify()).problems).toEqual([
      { seq: 1, problem: 'deleted', detail: '1 missing' },
      { seq: 5, problem: 'deleted', detail: '5-6 missing' },
    ]);
  });

  it('finds a deletion hidden by renumbering', async () => {
    await tamper(
      'DELETE FROM audit_event WHERE seq = 5',
      'UPDATE audit_event SET seq = seq - 1 WHERE seq > 5',
    );
    expect((await verify()).problems).toEqual([{ seq: 5, problem: 'broken-link' }]);
  });

  it('finds reordered records', async () => {
    await tamper(
      'UPDATE audit_event SET seq = 100 WHERE seq = 3',
      'UPDATE audit_event SET seq = 3 WHERE seq = 7',
      'UPDATE audit_event SET seq = 7 WHERE seq = 100',
    );
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.seq)).toEqual([3, 4, 7, 8]);
    expect(new Set(result.problems.map((p) => p.problem))).toEqual(new Set(['reordered']));
  });

  it('finds an edit whose hash was recomputed but whose next link was not', async () => {
    const [row] = await sql<{ prev_hash: string; content: Record<string, unknown> }[]>(
      'SELECT prev_hash, content FROM audit_event WHERE seq = 5',
    );
    const forged = { ...row.content, outcome: '8' };
    await tamper(
      `UPDATE audit_event SET content = '${JSON.stringify(forged)}'::jsonb, outcome = '8',
         hash = '${chainHash(row.prev_hash, forged)}' WHERE seq = 5`,
    );
    expect((await verify()).problems).toEqual([{ seq: 6, problem: 'broken-link' }]);
  });

  it('is backed by a trigger that refuses UPDATE, DELETE and TRUNCATE', async () => {
    await expect(sql(`UPDATE audit_event SET outcome = '4' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(sql('DELETE FROM audit_event WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(sql('TRUNCATE audit_event')).rejects.toThrow(/append-only/);
    expect(await verify()).toMatchObject({ ok: true, checked: 10 });
  });

  it('caps the problems it reports', async () => {
    await tamper(`UPDATE audit_event SET content = jsonb_set(content, '{outcome}', '"4"')`);
    expect(await verify({ maxProblems: 4 })).toMatchObject({
      ok: false,
      truncated: true,
      problems: { length: 4 },
    });
  });
});
