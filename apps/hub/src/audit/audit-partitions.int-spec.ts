import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import {
  AUDIT_SCHEMA,
  AuditCheckpointer,
  type AuditInput,
  AuditWriter,
  readCheckpoints,
  verifyAuditTrail,
} from '@passerelle/audit';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { FhirExceptionFilter } from '../fhir/fhir-exception.filter';
import { auditPartitionCommand } from './audit-partition-cli';
import { AuditPartitionsController } from './audit-partitions.controller';

const TOKEN = 'audit-partitions-test-token-0123456789abcdef';
const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'gp-brest',
  clientId: 'gp-brest',
  patientId: `p-${n}`,
  requestId: `req-${n}`,
});
const now = new Date();
const past = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 2, 15));
const pastMonth = past.toISOString().slice(0, 7);
const { privateKey, publicKey } = generateKeyPairSync('ed25519');

describe.each(STORE_KINDS)('the audit partitions admin API on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let app: NestFastifyApplication;
  let dir: string;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    dir = await mkdtemp(join(tmpdir(), 'passerelle-partitions-api-'));
    const writer = new AuditWriter(opened.dataSource);
    await writer.record([input(1), input(2), input(3)]);
    // Those three as if written two months ago (what a superuser could do; the trail's own clock
    // only moves forward), then two more this month.
    const ds = opened.dataSource;
    await ds.query(`SELECT audit_event_partition($1::date)`, [`${pastMonth}-01`]);
    for (const table of ['audit_log', 'audit_event']) {
      await ds.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
      await ds.query(`UPDATE ${table} SET appended_at = $1`, [past]);
      await ds.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`);
    }
    await writer.record([input(4), input(5)]);
    await writer.close();
    const moduleRef = await Test.createTestingModule({
      controllers: [AuditPartitionsController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: TOKEN },
        AdminAuthGuard,
        { provide: DataSource, useValue: ds },
        {
          provide: AuditCheckpointer,
          useValue: new AuditCheckpointer(ds.manager, { dir, privateKey, intervalMs: 60_000 }),
        },
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

  const as = (method: 'get' | 'post', path: string) =>
    request(app.getHttpServer())[method](path).set('Authorization', `Bearer ${TOKEN}`);

  it('needs the operator credential', async () => {
    await request(app.getHttpServer()).get('/admin/audit/partitions').expect(401);
    await request(app.getHttpServer()).post(`/admin/audit/partitions/${pastMonth}/detach`).expect(401);
  });

  it('lists the attached months with their run of the chain', async () => {
    const { body } = await as('get', '/admin/audit/partitions').expect(200);
    expect(body.archived).toEqual([]);
    expect(body.attached[0]).toMatchObject({ month: pastMonth, firstSeq: 1, lastSeq: 3 });
    expect(body.attached).toContainEqual(
      expect.objectContaining({ month: now.toISOString().slice(0, 7), firstSeq: 4, lastSeq: 5 }),
    );
  });

  it('answers 400 for a malformed month and 409 for one that cannot go now', async () => {
    const bad = await as('post', '/admin/audit/partitions/2026-1/detach').expect(400);
    expect(bad.body).toMatchObject({ resourceType: 'OperationOutcome' });
    const current = await as(
      'post',
      `/admin/audit/partitions/${now.toISOString().slice(0, 7)}/detach`,
    ).expect(409);
    expect(current.body.issue[0].diagnostics).toMatch(/not over yet/);
  });

  it('detaches a month past, signs its last record, and the chain kept verifies', async () => {
    const { body } = await as('post', `/admin/audit/partitions/${pastMonth}/detach`).expect(200);
    expect(body).toMatchObject({ month: pastMonth, rows: 3, firstSeq: 1, lastSeq: 3 });
    const signed = await readCheckpoints(dir, [publicKey]);
    expect(signed.valid).toEqual([expect.objectContaining({ seq: 3, hash: body.lastHash })]);
    const verification = await verifyAuditTrail(opened.dataSource.manager, { dir, publicKeys: [publicKey] });
    expect(verification).toMatchObject({ ok: true, checked: 2, archivedThrough: 3 });
    const listed = await as('get', '/admin/audit/partitions').expect(200);
    expect(listed.body.archived).toEqual([expect.objectContaining({ month: pastMonth, lastSeq: 3 })]);
    await as('post', `/admin/audit/partitions/${pastMonth}/detach`).expect(409);
  });

  // On the embedded database the CLI would contend with the hub that holds it: the API above.
  if (kind === 'postgres')
    it('lists the months and refuses the current one from the CLI (exit 1)', async () => {
      if (db.config.kind !== 'postgres') throw new Error('expected PostgreSQL');
      const env = {
        DATABASE_URL: db.config.url,
        AUDIT_CHECKPOINT_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        AUDIT_CHECKPOINT_DIR: dir,
      };
      const lines: string[] = [];
      expect(await auditPartitionCommand(env, ['partitions'], (l) => lines.push(l))).toBe(0);
      expect(lines[0]).toContain(
        `${pastMonth}\tarchived\taudit_event_y${pastMonth.replace('-', 'm')}\t3 record(s)\tthrough seq 3\t`,
      );
      expect(lines[1]).toMatch(/\tattached\t.*seq 4-5$/);
      lines.length = 0;
      const current = now.toISOString().slice(0, 7);
      expect(await auditPartitionCommand(env, ['detach', current], (l) => lines.push(l))).toBe(1);
      expect(lines).toEqual([`Not detached: ${current} is not over yet: only a month past can be detached`]);
    });
});
