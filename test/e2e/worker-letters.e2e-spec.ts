import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Patient } from 'fhir/r4';
import type { LetterView, RunView } from '@passerelle/mailroom';
import { registerAgency, startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '@passerelle/testing';
import Redis from 'ioredis';
import request from 'supertest';
import { loadWorkerConfig } from '../../apps/worker/src/worker-config';
import { WorkerModule } from '../../apps/worker/src/worker.module';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never: ${what}`);
}

/**
 * The production topology for letters: a hub that only enqueues (`letter` when a summary is asked
 * for by post, `print-run` when an operator creates a run) and a separate worker app that decides
 * and prints them, on PostgreSQL + BullMQ, sharing MAILROOM_DIR. The worker is wired from the same
 * lib modules as the hub, so its letters are the hub's.
 */
describe('the worker app makes the letters and print runs the hub asks for', () => {
  const prefix = `test-worker-letters-${randomUUID()}:`;
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-worker-letters-'));
  let hub: TestHub;
  let worker: NestFastifyApplication;
  const admin = () => request.agent(hub.url).set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`);

  beforeAll(async () => {
    const shared = { REDIS_URL, REDIS_KEY_PREFIX: prefix, MAILROOM_DIR: outputDir };
    hub = await startTestHub('postgres', { env: { ...shared, SYNC_WORKER: 'off' } });
    if (hub.config.database.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const config = loadWorkerConfig({
      ...shared,
      DATABASE_URL: hub.config.database.url,
      MAILROOM_POLL_INTERVAL_MS: '50',
      WORKER_PORT: '0',
      LOG_LEVEL: 'error',
    });
    const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] }).compile();
    worker = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: ['fatal'],
    });
    worker.enableShutdownHooks();
    await worker.init();
  });

  afterAll(async () => {
    await worker?.close();
    await hub?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(outputDir, { recursive: true, force: true });
  });

  it('decides a summary by post in the worker, then prints it in a run the hub serves', async () => {
    const chu = await registerAgency(hub, { id: 'chu' });
    const patient = (
      await request(hub.url)
        .post('/fhir/Patient')
        .set('authorization', `Bearer ${await chu.token()}`)
        .set('content-type', 'application/fhir+json')
        .send({
          resourceType: 'Patient',
          identifier: [{ system: 'https://chu.example/mrn', value: 'W-L1' }],
          name: [{ family: 'Durand', given: ['Jeanne'] }],
          birthDate: '1950-01-02',
          address: [{ line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' }],
        } satisfies Patient)
        .expect(201)
    ).body as Patient;

    const asked = (
      await admin()
        .post('/admin/mailroom/letters')
        .send({ kind: 'patient-summary', patientId: patient.id })
        .expect(201)
    ).body as LetterView;
    const decided = await eventually(async () => {
      const letter = (await admin().get(`/admin/mailroom/letters/${asked.id}`).expect(200))
        .body as LetterView;
      return letter.status === 'new' ? undefined : letter;
    }, 'the letter decided by the worker');
    expect(decided.status).toBe('pending');

    const { run } = (await admin().post('/admin/mailroom/runs').expect(200)).body as { run: RunView };
    const ready = await eventually(async () => {
      const view = (await admin().get(`/admin/mailroom/runs/${run.id}`).expect(200)).body as RunView;
      return view.status === 'building' ? undefined : view;
    }, 'the run rendered by the worker');
    expect(ready).toMatchObject({ status: 'ready', gathered: 1, letters: 1, held: 0 });
    const pdf = await admin()
      .get(`/admin/mailroom/runs/${run.id}/pdf`)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect((pdf.body as Buffer).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });
});
