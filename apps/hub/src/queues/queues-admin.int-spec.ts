import { randomUUID } from 'node:crypto';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { loadHubConfig } from '@passerelle/config';
import {
  BullMqDriver,
  InProcessDriver,
  PermanentJobError,
  QUEUE_DRIVER,
  type QueueDriver,
  type QueueName,
} from '@passerelle/sync';
import Redis from 'ioredis';
import request from 'supertest';
import { AdminClient } from '../cli/admin-client';
import { queueCommand } from '../cli/queue-commands';
import { FhirExceptionFilter } from '../fhir/fhir-exception.filter';
import { asBearer, BOARD_PATH } from './queue-board';
import { QueuesModule } from './queues.module';

const TOKEN = 'queues-admin-test-token-0123456789abcdef';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Stands in for the hub's global module that owns the process's driver. */
@Module({})
class DriverModule {
  static of(driver: QueueDriver): DynamicModule {
    return {
      module: DriverModule,
      global: true,
      providers: [{ provide: QUEUE_DRIVER, useValue: driver }],
      exports: [QUEUE_DRIVER],
    };
  }
}

async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 10));
}

/** So that the next job fails in a later millisecond: newest-first order is then certain. */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  await until(() => Date.now() > now);
}

describe.each(['bullmq', 'in-process'] as const)('queue admin API, CLI and board: %s driver', (kind) => {
  const prefix = `test:queues-admin:${randomUUID()}:`;
  let driver: QueueDriver;
  let app: NestFastifyApplication;
  let url: string;
  /** Outbox ids whose route job now succeeds. */
  const fixed = new Set<string>();

  beforeAll(async () => {
    Logger.overrideLogger(false); // dead-letter warnings are the point here
    const options = { prefix, defaults: { attempts: 2, backoffMs: 1 } };
    driver =
      kind === 'bullmq'
        ? new BullMqDriver({ redisUrl: REDIS_URL, ...options })
        : new InProcessDriver(options);
    await driver.process('route', (job) =>
      fixed.has(job.data.from)
        ? Promise.resolve()
        : Promise.reject(new PermanentJobError('agency answered 404')),
    );
    await driver.process('letter', () => Promise.reject(new Error('renderer crashed')));
    for (const outboxId of ['o1', 'o2']) {
      await driver.add('route', { from: outboxId, through: outboxId });
      await until(async () =>
        (await driver.deadLetters('route')).some((d) => d.id === `route-${outboxId}_${outboxId}`),
      );
      await nextMillisecond();
    }
    await driver.add('letter', { letterId: 'l1' });
    await until(async () => (await driver.counts('letter')).failed === 1);

    const moduleRef = await Test.createTestingModule({
      imports: [DriverModule.of(driver), QueuesModule.forRoot(loadHubConfig({ ADMIN_TOKEN: TOKEN }))],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { logger: false });
    app.useGlobalFilters(new FhirExceptionFilter());
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app.close();
    await driver.close();
    if (kind === 'bullmq') {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
  });

  const get = (path: string) => request(url).get(path).set('Authorization', `Bearer ${TOKEN}`);
  const post = (path: string) => request(url).post(path).set('Authorization', `Bearer ${TOKEN}`);

  it('needs the operator credential', async () => {
    await request(url).get('/admin/queues').expect(401);
    await request(url).get('/admin/queues/dead-letters').expect(401);
    await request(url).post('/admin/queues/route/dead-letters/route-o1_o1/replay').expect(401);
    await request(url).get('/admin/queues').set('Authorization', 'Bearer not-the-token').expect(401);
  });

  it('shows the driver, the board when there is one, and the counts', async () => {
    const { body } = await get('/admin/queues').expect(200);
    expect(body.driver).toBe(kind);
    expect(body.board).toBe(kind === 'bullmq' ? `${BOARD_PATH}/` : null);
    const failed = Object.fromEntries(
      (body.queues as { name: QueueName; counts: { failed: number } }[]).map((q) => [
        q.name,
        q.counts.failed,
      ]),
    );
    expect(failed).toEqual({ route: 2, letter: 1, 'print-run': 0 });
  });

  it('lists dead letters, newest first, per queue or all', async () => {
    const all = (await get('/admin/queues/dead-letters').expect(200)).body as { id: string }[];
    expect(all.map((d) => d.id)).toEqual(['letter-l1', 'route-o2_o2', 'route-o1_o1']);
    const route = (await get('/admin/queues/dead-letters?queue=route&limit=1').expect(200)).body;
    expect(route).toEqual([
      {
        id: 'route-o2_o2',
        queue: 'route',
        data: { from: 'o2', through: 'o2' },
        failedReason: 'agency answered 404',
        attemptsMade: 1,
        finishedOn: expect.any(Number),
      },
    ]);
    const letter = (await get('/admin/queues/dead-letters?queue=letter').expect(200)).body;
    expect(letter).toMatchObject([{ id: 'letter-l1', failedReason: 'renderer crashed', attemptsMade: 2 }]);
    await get('/admin/queues/dead-letters?queue=audit').expect(400);
    await get('/admin/queues/dead-letters?limit=0').expect(400);
  });

  it('replays a dead letter; 404 for no such job or queue, 409 when it is not a dead letter', async () => {
    await post('/admin/queues/audit/dead-letters/route-o1_o1/replay').expect(404);
    await post('/admin/queues/route/dead-letters/route-nope/replay').expect(404);
    fixed.add('o1');
    expect((await post('/admin/queues/route/dead-letters/route-o1_o1/replay').expect(200)).body).toEqual({
      queue: 'route',
      jobId: 'route-o1_o1',
      status: 'replayed',
    });
    await until(async () => (await driver.counts('route')).completed === 1);
    const { body } = await post('/admin/queues/route/dead-letters/route-o1_o1/replay').expect(409);
    expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'conflict' }] });
  });

  it('serves the CLI commands', async () => {
    const admin = new AdminClient(url, TOKEN);
    const lines: string[] = [];
    await queueCommand(['list'], admin, (l) => lines.push(l));
    expect(lines[0]).toBe(
      kind === 'bullmq' ? `driver: bullmq; Bull Board at ${BOARD_PATH}/` : 'driver: in-process',
    );
    expect(lines).toContain('letter\t0\t0\t0\t1\t0');

    lines.length = 0;
    await queueCommand(['dead-letters', '--queue', 'route'], admin, (l) => lines.push(l));
    expect(lines).toEqual([
      expect.stringMatching(
        /^route\troute-o2_o2\t\d{4}-\d\d-\d\dT[^\t]+\tattempts 1\t\{"from":"o2","through":"o2"\}\tagency answered 404$/,
      ),
      '1 dead letter(s)',
    ]);

    fixed.add('o2');
    lines.length = 0;
    await queueCommand(['replay', 'route', 'route-o2_o2'], admin, (l) => lines.push(l));
    expect(lines).toEqual(['replayed route job route-o2_o2']);
    await until(async () => (await driver.counts('route')).completed === 2);
    await expect(queueCommand(['replay', 'route', 'route-o2_o2'], admin, () => {})).rejects.toThrow(
      /409.*not a dead letter/,
    );
    await expect(queueCommand(['dead-letters', '--queue', 'nope'], admin, () => {})).rejects.toThrow(
      /--queue/,
    );
    await expect(queueCommand(['frobnicate'], admin, () => {})).rejects.toThrow(/usage/);
  });

  if (kind === 'bullmq') {
    it('mounts Bull Board behind the operator credential, Basic for browsers', async () => {
      const refused = await request(url).get(`${BOARD_PATH}/`).expect(401);
      expect(refused.headers['www-authenticate']).toMatch(/^Basic realm="passerelle-admin"/);
      await request(url).get(`${BOARD_PATH}/`).auth('operator', 'wrong').expect(401);
      await request(url).get(`${BOARD_PATH}/api/queues`).expect(401);
      const page = await request(url).get(`${BOARD_PATH}/`).auth('operator', TOKEN).expect(200);
      expect(page.text).toContain('<html');
      await request(url).get(BOARD_PATH).auth('operator', TOKEN).expect(200);
      const { body } = await request(url)
        .get(`${BOARD_PATH}/api/queues`)
        .set('Authorization', `Bearer ${TOKEN}`)
        .expect(200);
      const names = (body.queues as { name: string }[]).map((q) => q.name).sort();
      expect(names).toEqual(['letter', 'print-run', 'route']);
    });
  } else {
    it('has no board: the in-process queues live in memory', async () => {
      await request(url).get(`${BOARD_PATH}/`).auth('operator', TOKEN).expect(404);
    });

    it('documents the routes in the admin OpenAPI document', () => {
      const document = SwaggerModule.createDocument(app, new DocumentBuilder().addBearerAuth().build(), {
        include: [QueuesModule],
      });
      expect(Object.keys(document.paths).sort()).toEqual([
        '/admin/queues',
        '/admin/queues/dead-letters',
        '/admin/queues/{queue}/dead-letters/{jobId}/replay',
      ]);
      expect(document.components?.schemas?.DeadLetterDto).toBeDefined();
    });
  }
});

describe('asBearer', () => {
  it('reads the credential from Basic auth as the password, and leaves Bearer alone', () => {
    const basic = `Basic ${Buffer.from(`anyone:${TOKEN}`).toString('base64')}`;
    expect(asBearer(basic)).toBe(`Bearer ${TOKEN}`);
    expect(asBearer(`Bearer ${TOKEN}`)).toBe(`Bearer ${TOKEN}`);
    expect(asBearer(undefined)).toBeUndefined();
  });
});
