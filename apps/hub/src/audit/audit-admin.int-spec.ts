import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AUDIT_SCHEMA,
  AuditCheckpointer,
  AuditWriter,
  canonicalJson,
  chainHash,
  type AuditInput,
} from '@passerelle/audit';
import { EXIT, loadHubConfig } from '@passerelle/config';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { FhirExceptionFilter } from '../fhir/fhir-exception.filter';
import { AuditAdminController } from './audit-admin.controller';
import { auditVerifyCommand } from './audit-cli';
import { AUDIT_CHECKPOINT_SOURCE, CHECKPOINT_KEY_FILE, resolveCheckpointSigningKey } from './checkpoint-keys';

const TOKEN = 'audit-admin-test-token-0123456789abcdef';
const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'gp-brest',
  clientId: 'gp-brest',
  patientId: `p-${n}`,
  requestId: `req-${n}`,
});

const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe.each(STORE_KINDS)('audit verification (API and CLI) on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let app: NestFastifyApplication;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    dir = await mkdtemp(join(tmpdir(), 'passerelle-checkpoints-'));
    const writer = new AuditWriter(opened.dataSource);
    await Promise.all([1, 2, 3, 4, 5].map((n) => writer.record([input(n)])));
    await writer.close();
    // The head (seq 5) signed, as the hub does every AUDIT_CHECKPOINT_INTERVAL_SECONDS.
    await new AuditCheckpointer(opened.dataSource.manager, { dir, privateKey, intervalMs: 60_000 }).close();
    const moduleRef = await Test.createTestingModule({
      controllers: [AuditAdminController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: TOKEN },
        AdminAuthGuard,
        { provide: DataSource, useValue: opened.dataSource },
        { provide: AUDIT_CHECKPOINT_SOURCE, useValue: () => ({ dir, publicKeys: [publicKey] }) },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new FhirExceptionFilter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });
  afterAll(async () => {
    await app.close();
    await opened.close();
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (path: string) =>
    request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${TOKEN}`);

  it('needs the operator credential', async () => {
    await request(app.getHttpServer()).get('/admin/audit/verify').expect(401);
  });

  it('reports a whole chain, and a range', async () => {
    const all = await get('/admin/audit/verify').expect(200);
    expect(all.body).toMatchObject({
      ok: true,
      checked: 5,
      problems: [],
      last: { seq: 5 },
      checkpoints: { read: 1, used: 1, problems: [], newest: { seq: 5 } },
    });
    expect((await get('/admin/audit/verify?from=2&to=3').expect(200)).body).toMatchObject({
      ok: true,
      checked: 2,
    });
    await get('/admin/audit/verify?from=zero').expect(400);
  });

  it('reports tampering, and the CLI exits 4 (chain broken)', async () => {
    await opened.dataSource.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    await opened.dataSource.query('DELETE FROM audit_log WHERE seq = 2');
    await opened.dataSource.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    const { body } = await get('/admin/audit/verify').expect(200);
    expect(body).toMatchObject({ ok: false, problems: [{ seq: 2, problem: 'deleted' }] });

    if (kind === 'postgres' && db.config.kind === 'postgres') {
      const lines: string[] = [];
      const code = await auditVerifyCommand({ DATABASE_URL: db.config.url }, ['--from', '1'], (l) =>
        lines.push(l),
      );
      expect(code).toBe(EXIT.auditChainBroken);
      expect(code).toBe(4);
      expect(lines.join('\n')).toMatch(/seq 2\tdeleted[\s\S]*BROKEN: 1 problem/);
    }
  });

  it('reports a record rewritten and re-hashed, which only the signed checkpoints show', async () => {
    const writer = new AuditWriter(opened.dataSource);
    await writer.record([input(6), input(7), input(8)]);
    await writer.close();
    await new AuditCheckpointer(opened.dataSource.manager, { dir, privateKey, intervalMs: 60_000 }).close();
    // Signed at 5 and at 8; record 7 rewritten and the chain re-hashed from there to the end.
    const rows: { seq: string; prev_hash: string; content: string }[] = await opened.dataSource.query(
      'SELECT seq, prev_hash, content FROM audit_log WHERE seq >= 7 ORDER BY seq',
    );
    let prev = rows[0].prev_hash;
    await opened.dataSource.query('ALTER TABLE audit_log DISABLE TRIGGER USER');
    for (const row of rows) {
      const stored = JSON.parse(row.content) as Record<string, unknown>;
      const content = Number(row.seq) === 7 ? { ...stored, outcome: '8' } : stored;
      const hash = chainHash(prev, content);
      await opened.dataSource.query(
        'UPDATE audit_log SET content = $1, prev_hash = $2, hash = $3 WHERE seq = $4',
        [canonicalJson(content), prev, hash, row.seq],
      );
      prev = hash;
    }
    await opened.dataSource.query('ALTER TABLE audit_log ENABLE TRIGGER USER');
    const { body } = await get('/admin/audit/verify').expect(200);
    expect(body).toMatchObject({
      ok: false,
      problems: [
        { seq: 2, problem: 'deleted' }, // the previous test's
        {
          seq: 6,
          problem: 'rewritten',
          detail: expect.stringMatching(/^6-8 differ from the checkpoint of seq 8/),
        },
      ],
      checkpoints: { read: 2, used: 2, problems: [] },
    });

    if (kind === 'postgres' && db.config.kind === 'postgres') {
      const keys = join(dir, 'public.pem');
      await writeFile(keys, publicKey.export({ type: 'spki', format: 'pem' }));
      const lines: string[] = [];
      const env = {
        DATABASE_URL: db.config.url,
        AUDIT_CHECKPOINT_DIR: dir,
        AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE: keys,
      };
      expect(await auditVerifyCommand(env, [], (l) => lines.push(l))).toBe(EXIT.auditChainBroken);
      expect(lines.join('\n')).toMatch(
        /seq 6\trewritten\t6-8 differ[\s\S]*Checkpoints: 2 read, 2 checked[\s\S]*BROKEN: 2 problem/,
      );
    }
  });
});

describe('auditVerifyCommand on the embedded database', () => {
  it('prints OK and exits 0 on a whole chain, checked against the hub-generated key', async () => {
    const db = await createTestDatabase('pglite');
    try {
      const dataDir = db.config.kind === 'pglite' ? db.config.dataDir : '';
      const config = loadHubConfig({ DATA_DIR: dataDir });
      const { key, generated } = resolveCheckpointSigningKey(config); // as the embedded hub's first start
      expect(generated).toBe(join(dataDir, CHECKPOINT_KEY_FILE));
      expect((await stat(join(dataDir, CHECKPOINT_KEY_FILE))).mode & 0o777).toBe(0o600);
      expect(resolveCheckpointSigningKey(config).generated).toBeUndefined(); // kept, not generated again
      const opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      const writer = new AuditWriter(opened.dataSource);
      await writer.record([input(1), input(2)]);
      await writer.close();
      const dir = config.auditCheckpoints.dir;
      await new AuditCheckpointer(opened.dataSource.manager, {
        dir,
        privateKey: key,
        intervalMs: 60_000,
      }).close();
      await opened.close(); // the CLI needs the data directory to itself
      const lines: string[] = [];
      expect(await auditVerifyCommand({ DATA_DIR: dataDir }, [], (l) => lines.push(l))).toBe(0);
      expect(lines).toEqual([
        expect.stringMatching(
          /^Checkpoints: 1 read, 1 checked against the chain; newest seq 2 signed .*\nAudit chain OK: 2 record\(s\) checked; last seq 2/,
        ),
      ]);
    } finally {
      await db.drop();
    }
  });
});

describe('audit verify when the database cannot be reached', () => {
  it('exits 3, not the code of a broken chain, and says nothing was verified', async () => {
    const errors: string[] = [];
    const code = await auditVerifyCommand(
      { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/passerelle' },
      [],
      () => undefined,
      (line) => errors.push(line),
    );
    expect(code).toBe(EXIT.databaseUnreachable);
    expect(code).toBe(3);
    expect(errors.join('\n')).toMatch(/^Database unreachable, nothing verified: /);
  });

  it('exits 3 when the embedded data directory is held by a running hub', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'verify-locked-'));
    const held = await openDatabase({ kind: 'pglite', dataDir }, { migrate: false });
    try {
      const errors: string[] = [];
      const code = await auditVerifyCommand(
        { DATA_DIR: dataDir },
        [],
        () => undefined,
        (l) => errors.push(l),
      );
      expect(code).toBe(EXIT.databaseUnreachable);
      expect(errors.join('\n')).toMatch(/in use by process/);
    } finally {
      await held.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
