import { randomUUID } from 'node:crypto';
import { verifiedNhsNumberExtension } from '@passerelle/identity';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { Bundle, Encounter, Patient, Resource } from 'fhir/r4';
import { registerAgency, startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '@passerelle/testing';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import request from 'supertest';
import { loadWorkerConfig } from '../../apps/worker/src/worker-config';
import { WorkerModule } from '../../apps/worker/src/worker.module';

const FHIR_JSON = 'application/fhir+json';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
type Agent = ReturnType<typeof request.agent>;

/** The production topology: a hub that does not route, and a separate worker on PostgreSQL + BullMQ. */
describe('the worker app on PostgreSQL and Redis', () => {
  const prefix = `test-worker-${randomUUID()}:`;
  let hub: TestHub;
  let worker: NestFastifyApplication;
  let hospital: Agent;
  let gp: Agent;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const create = async (agent: Agent, resource: Resource) =>
    (
      await agent
        .post(`/fhir/${resource.resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(resource)
        .expect(201)
    ).body as { id: string };

  beforeAll(async () => {
    hub = await startTestHub('postgres', { env: { SYNC_WORKER: 'off' } });
    if (hub.config.database.kind !== 'postgres') throw new Error('expected PostgreSQL');
    const config = loadWorkerConfig({
      DATABASE_URL: hub.config.database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SYNC_POLL_INTERVAL_MS: '20',
      WORKER_PORT: '0',
      LOG_LEVEL: 'error',
    });
    const moduleRef = await Test.createTestingModule({ imports: [WorkerModule.forRoot(config)] }).compile();
    worker = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: ['fatal'],
    });
    worker.enableShutdownHooks();
    await worker.init();
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
  });

  afterAll(async () => {
    await worker?.close();
    await hub?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('answers GET /health', async () => {
    await worker.getHttpAdapter().getInstance().ready();
    const res = await worker.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/health' });
    expect(res.json()).toEqual({ status: 'ok', service: 'worker' });
  });

  it("is live, and ready: database, the hub's migrations, Redis", async () => {
    const fastify = worker.getHttpAdapter().getInstance();
    expect((await fastify.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    const ready = await fastify.inject({ method: 'GET', url: '/health/ready' });
    expect({ status: ready.statusCode, body: ready.json() }).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        info: { database: { status: 'up' }, migrations: { status: 'up' }, redis: { status: 'up' } },
      },
    });
    // A migration the hub has not run yet: the worker waits for it, saying so.
    const ds = hub.app.get(DataSource);
    const [last] = await ds.query<{ id: number; timestamp: string; name: string }[]>(
      'SELECT * FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await ds.query('DELETE FROM migrations WHERE id = $1', [last?.id]);
    try {
      const behind = await fastify.inject({ method: 'GET', url: '/health/ready' });
      expect({ status: behind.statusCode, error: behind.json<{ error: unknown }>().error }).toEqual({
        status: 503,
        error: { migrations: { status: 'down', message: '1 pending (the hub runs them)' } },
      });
    } finally {
      await ds.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last?.id,
        last?.timestamp,
        last?.name,
      ]);
    }
  });

  it('routes a hospital encounter to the GP of record through BullMQ', async () => {
    const person = (system: string, value: string): Patient => ({
      resourceType: 'Patient',
      identifier: [
        { system, value },
        {
          system: 'https://fhir.nhs.uk/Id/nhs-number',
          value: '9434765919',
          extension: [verifiedNhsNumberExtension()],
        },
      ],
      birthDate: '1980-01-01',
      generalPractitioner: [{ reference: 'Organization/cabinet' }],
    });
    await create(gp, person('https://cabinet.example/pid', 'G-9'));
    const patient = await create(hospital, person('https://chu.example/mrn', 'H-9'));
    const encounter: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: 'https://chu.example/enc', value: 'W-1' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EMER' },
      subject: { reference: `Patient/${patient.id}` },
    };
    const enc = await create(hospital, encounter);
    let ids: (string | undefined)[] = [];
    for (let i = 0; i < 200 && !ids.includes(enc.id); i++) {
      ids = (((await gp.get('/fhir/$changes').expect(200)).body as Bundle).entry ?? []).map(
        (e) => e.resource?.id,
      );
      if (!ids.includes(enc.id)) await new Promise((r) => setTimeout(r, 50));
    }
    expect(ids).toContain(enc.id);
  });
});

describe('the queue admin API in a hub with Redis', () => {
  const prefix = `test-queues-${randomUUID()}:`;
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub('postgres', { env: { REDIS_URL, REDIS_KEY_PREFIX: prefix } });
  });
  afterAll(async () => {
    await hub?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('shows the BullMQ queues and the board to operators only', async () => {
    await request(hub.url).get('/admin/queues').expect(401);
    const res = await request(hub.url)
      .get('/admin/queues')
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(res.body.driver).toBe('bullmq');
    await request(hub.url).get('/admin/queues/board/').expect(401);
    await request(hub.url)
      .get('/admin/queues/board/')
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
  });
});
