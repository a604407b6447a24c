import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { AUDIT_SCHEMA, AuditWriter, type AuditInput } from '@passerelle/audit';
import { openDatabase, type OpenDatabase } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { FhirExceptionFilter } from '../fhir/fhir-exception.filter';
import { AuditAdminController } from './audit-admin.controller';
import { auditVerifyCommand } from './audit-cli';

const TOKEN = 'audit-admin-test-token-0123456789abcdef';
const input = (n: number): AuditInput => ({
  interaction: 'read',
  outcome: 'success',
  agency: 'gp-brest',
  clientId: 'gp-brest',
  patientId: `p-${n}`,
  requestId: `req-${n}`,
});

describe.each(STORE_KINDS)('audit verification (API and CLI) on %s', (kind) => {
  let db: TestDatabase;
  let opened: OpenDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await createTestDatabase(kind);
    opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
    const writer = new AuditWriter(opened.dataSource);
    await Promise.all([1, 2, 3, 4, 5].map((n) => writer.record([input(n)])));
    await writer.close();
    const moduleRef = await Test.createTestingModule({
      controllers: [AuditAdminController],
      providers: [
        { provide: ADMIN_TOKEN, useValue: TOKEN },
        AdminAuthGuard,
        { provide: DataSource, useValue: opened.dataSource },
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
  });

  const get = (path: string) =>
    request(app.getHttpServer()).get(path).set('Authorization', `Bearer ${TOKEN}`);

  it('needs the operator credential', async () => {
    await request(app.getHttpServer()).get('/admin/audit/verify').expect(401);
  });

  it('reports a whole chain, and a range', async () => {
    const all = await get('/admin/audit/verify').expect(200);
    expect(all.body).toMatchObject({ ok: true, checked: 5, problems: [], last: { seq: 5 } });
    expect((await get('/admin/audit/verify?from=2&to=3').expect(200)).body).toMatchObject({
      ok: true,
      checked: 2,
    });
    await get('/admin/audit/verify?from=zero').expect(400);
  });

  it('reports tampering, and the CLI exits 1', async () => {
    await opened.dataSource.query('ALTER TABLE audit_event DISABLE TRIGGER USER');
    await opened.dataSource.query('DELETE FROM audit_event WHERE seq = 2');
    await opened.dataSource.query('ALTER TABLE audit_event ENABLE TRIGGER USER');
    const { body } = await get('/admin/audit/verify').expect(200);
    expect(body).toMatchObject({ ok: false, problems: [{ seq: 2, problem: 'deleted' }] });

    if (kind === 'postgres' && db.config.kind === 'postgres') {
      const lines: string[] = [];
      const code = await auditVerifyCommand({ DATABASE_URL: db.config.url }, ['--from', '1'], (l) =>
        lines.push(l),
      );
      expect(code).toBe(1);
      expect(lines.join('\n')).toMatch(/seq 2\tdeleted[\s\S]*BROKEN: 1 problem/);
    }
  });
});

describe('auditVerifyCommand on the embedded database', () => {
  it('prints OK and exits 0 on a whole chain', async () => {
    const db = await createTestDatabase('pglite');
    try {
      const opened = await openDatabase(db.config, { migrate: true, schemas: [AUDIT_SCHEMA] });
      const writer = new AuditWriter(opened.dataSource);
      await writer.record([input(1), input(2)]);
      await writer.close();
      await opened.close(); // the CLI needs the data directory to itself
      const lines: string[] = [];
      const dataDir = db.config.kind === 'pglite' ? db.config.dataDir : '';
      expect(await auditVerifyCommand({ DATA_DIR: dataDir }, [], (l) => lines.push(l))).toBe(0);
      expect(lines).toEqual([expect.stringMatching(/^Audit chain OK: 2 record\(s\) checked; last seq 2/)]);
    } finally {
      await db.drop();
    }
  });
});
