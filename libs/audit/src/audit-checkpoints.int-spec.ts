import { generateKeyPairSync } from 'node:crypto';
import { appendFile, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import type { AuditInput } from './audit.types';
import { AuditCheckpointer } from './audit-checkpointer';
import { type AuditCheckpoint, signCheckpoint } from './audit-checkpoints';
import { emptyAuditTrail } from './audit-trail.fixtures';
import { verifyAuditChain, verifyAuditTrail } from './audit-verifier';
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

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe.each(STORE_KINDS)('signed audit checkpoints on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let writer: AuditWriter;
  let dir: string;
  let checkpointer: AuditCheckpointer;
  const sql = <T = unknown>(query: string, params?: unknown[]): Promise<T> =>
    opened.dataSource.query(query, params);
  const source = () => ({ dir, publicKeys: [publicKey] });
  const verify = (options = {}) =>
    verifyAuditTrail(opened.dataSource.manager, source(), { chunkSize: 3, ...options });
  /** As the table's owner would: the append-only trigger switched off, statements, back on. */
  const asOwner = async (fn: () => Promise<void>) => {
    await sql('ALTER TABLE audit_log DISABLE TRIGGER USER');
    try {
      await fn();
    } finally {
      await sql('ALTER TABLE audit_log ENABLE TRIGGER USER');
    }
  };
  const write = async (from: number, to: number) => {
    for (let n = from; n <= to; n++) await writer.record([input(n)]);
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
  // A fresh trail of 10 records, signed at seq 4 and at seq 10, for each test.
  beforeEach(async () => {
    await emptyAuditTrail(opened.dataSource);
    dir = await mkdtemp(join(tmpdir(), 'passerelle-checkpoints-'));
    checkpointer = new AuditCheckpointer(opened.dataSource.manager, { dir, privateKey, intervalMs: 60_000 });
    await write(1, 4);
    await checkpointer.checkpoint();
    await write(5, 10);
    await checkpointer.close();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('signs the head into a private day file, once per head', async () => {
    const [file] = await readdir(dir);
    expect(file).toMatch(/^\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    const written = lines.map((l) => JSON.parse(l) as AuditCheckpoint);
    const [head] = await sql<{ hash: string }[]>('SELECT hash FROM audit_log WHERE seq = 10');
    expect(written.map((c) => c.seq)).toEqual([4, 10]);
    expect(written[1]).toMatchObject({ hash: head.hash, key: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect((await stat(join(dir, file))).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);

    const again = new AuditCheckpointer(opened.dataSource.manager, { dir, privateKey, intervalMs: 60_000 });
    expect(await again.checkpoint()).toMatchObject({ seq: 10 }); // another hub signs what it reads
    expect(await again.checkpoint()).toBeUndefined(); // the head did not move
    expect(await verify()).toMatchObject({ ok: true, checked: 10, checkpoints: { read: 3, used: 3 } });
  });

  it('catches a record rewritten and re-hashed to the end, which the chain alone accepts', async () => {
    const rows = await sql<{ seq: string; prev_hash: string; content: string }[]>(
      'SELECT seq, prev_hash, content FROM audit_log WHERE seq >= 5 ORDER BY seq',
    );
    let prev = rows[0].prev_hash;
    await asOwner(async () => {
      for (const row of rows) {
        const content =
          Number(row.seq) === 5 ? row.content.replace('"outcome":"0"', '"outcome":"8"') : row.content;
        const hash = linkHash(prev, content);
        await sql('UPDATE audit_log SET content = $1, prev_hash = $2, hash = $3 WHERE seq = $4', [
          content,
          prev,
          hash,
          row.seq,
        ]);
        prev = hash;
      }
    });

    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true, problems: [] });
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      {
        seq: 5,
        problem: 'rewritten',
        detail: expect.stringMatching(/^5-10 differ from the checkpoint of seq 10/),
      },
    ]);
    expect(result.checkpoints).toMatchObject({ used: 2, problems: [] });
    // Only the checkpoints of the range count: 1-4 still hold.
    expect(await verify({ toSeq: 4 })).toMatchObject({ ok: true, checked: 4 });
  });

  it('catches records deleted from the end, which the chain alone cannot show', async () => {
    await asOwner(() => sql('DELETE FROM audit_log WHERE seq > 8'));
    expect(await verifyAuditChain(opened.dataSource.manager)).toMatchObject({ ok: true });
    expect((await verify()).problems).toEqual([
      {
        seq: 9,
        problem: 'tail-deleted',
        detail: expect.stringMatching(/^the chain ends at 8; .* names seq 10$/),
      },
    ]);
  });

  it('reports a forged checkpoint, a foreign key and a damaged line', async () => {
    const file = join(dir, (await readdir(dir))[0]);
    const [head] = await sql<{ hash: string }[]>('SELECT hash FROM audit_log WHERE seq = 10');
    const genuine = signCheckpoint(privateKey, 10, head.hash, new Date());
    // The signature of the real head, on a claim that the chain ends further on.
    const forged = { ...genuine, seq: 12 };
    const foreign = signCheckpoint(generateKeyPairSync('ed25519').privateKey, 10, head.hash, new Date());
    await appendFile(
      file,
      [forged, foreign].map((c) => JSON.stringify(c)).join('\n') + '\n{"seq": 11, "hash"\n{"seq": 13',
    );

    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([]); // the chain itself is whole; the forged claim is not used
    expect(result.checkpoints).toMatchObject({ read: 5, used: 2 }); // a line still being appended is not read
    expect(result.checkpoints?.problems).toEqual([
      { file: basename(file), line: 3, seq: 12, problem: 'bad-signature' },
      { file: basename(file), line: 4, seq: 10, problem: 'unknown-key' },
      { file: basename(file), line: 5, problem: 'unreadable' },
    ]);
  });

  it('checks nothing it cannot trust: without the public key every checkpoint is reported', async () => {
    const result = await verifyAuditTrail(opened.dataSource.manager, { dir, publicKeys: [] });
    expect(result).toMatchObject({ ok: false, problems: [], checkpoints: { read: 2, used: 0 } });
    expect(result.checkpoints?.problems.map((p) => p.problem)).toEqual(['unknown-key', 'unknown-key']);
  });
});
