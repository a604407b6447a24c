import { AuditWriter } from '@passerelle/audit';
import { Processes, type RedisChild, STORE_KINDS, startTestHub, type TestHub } from '@passerelle/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

/**
 * Liveness and readiness of the hub, each readiness check made to fail for real: the database
 * refusing connections, a migration missing, Redis stopped, the audit writer held behind the
 * chain lock.
 */
async function ready(hub: TestHub): Promise<{ status: number; body: Record<string, unknown> }> {
  // One round of checks answers for a second: ask after any earlier answer has expired.
  await new Promise((r) => setTimeout(r, 1_100));
  const res = await fetch(`${hub.url}/health/ready`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe.each(STORE_KINDS)('health on %s', (kind) => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub(kind, { env: { AUDIT_STALL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await hub.close();
  });

  it('answers /health/live and /health as before', async () => {
    for (const path of ['/health/live', '/health']) {
      const res = await fetch(`${hub.url}${path}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', service: 'hub' });
    }
  });

  it('is ready: database, migrations, Redis (not configured), audit writer', async () => {
    expect(await ready(hub)).toEqual({
      status: 200,
      body: {
        status: 'ok',
        info: {
          database: { status: 'up' },
          migrations: { status: 'up' },
          redis: { status: 'up', configured: false },
          audit: { status: 'up', queued: 0 },
        },
        error: {},
        details: expect.any(Object),
      },
    });
  });

  it('is not ready while a migration is missing, and names it', async () => {
    const ds = hub.app.get(DataSource);
    const [last] = await ds.query<{ id: number; timestamp: string; name: string }[]>(
      'SELECT * FROM migrations ORDER BY timestamp DESC LIMIT 1',
    );
    await ds.query('DELETE FROM migrations WHERE id = $1', [last?.id]);
    try {
      const { status, body } = await ready(hub);
      expect(status).toBe(503);
      expect(body.status).toBe('error');
      expect(body.error).toEqual({
        migrations: { status: 'down', message: `1 pending (${last?.name})` },
      });
    } finally {
      await ds.query('INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)', [
        last?.id,
        last?.timestamp,
        last?.name,
      ]);
    }
    expect((await ready(hub)).status).toBe(200);
  });

  it('is not ready while the audit writer is stalled behind the chain lock', async () => {
    // Another session holds the chain lock (as a long transaction would): the flush waits.
    const ds = hub.app.get(DataSource);
    const holder = ds.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    const writer = hub.app.get(AuditWriter);
    let recorded: Promise<string[]> | undefined;
    try {
      if (kind === 'pglite') {
        // One connection: holding it in a transaction stalls every flush the same way.
        recorded = writer.record([
          {
            interaction: 'read',
            outcome: 'success',
            agency: 'health-test',
            clientId: 'health-test',
            requestId: 'health-test',
          },
        ]);
      } else {
        await holder.query('SELECT pg_advisory_xact_lock(7020412)');
        recorded = writer.record([
          {
            interaction: 'read',
            outcome: 'success',
            agency: 'health-test',
            clientId: 'health-test',
            requestId: 'health-test',
          },
        ]);
      }
      await new Promise((r) => setTimeout(r, 1_500));
      if (kind === 'postgres') {
        const { status, body } = await ready(hub);
        expect(status).toBe(503);
        expect(body.error).toEqual({
          audit: {
            status: 'down',
            message: expect.stringMatching(/^writer stalled: the oldest record has waited \d+ s$/),
          },
        });
      } else {
        // PGlite's one connection is the one held: every database check waits too.
        expect(writer.oldestWaitMs()).toBeGreaterThan(1_000);
      }
    } finally {
      await holder.rollbackTransaction();
      await holder.release();
    }
    await recorded;
    expect((await ready(hub)).status).toBe(200);
  });
});

describe('health with PostgreSQL and Redis going away', () => {
  const processes = new Processes();
  let redis: RedisChild;
  let hub: TestHub;

  beforeAll(async () => {
    redis = await processes.redis();
    hub = await startTestHub('postgres', {
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `health-${process.pid}:`, SYNC_WORKER: 'off' },
    });
  });
  afterAll(async () => {
    await hub.close();
    await processes.stopAll();
  });

  it('is ready with Redis configured and answering', async () => {
    const { status, body } = await ready(hub);
    expect(status).toBe(200);
    expect(body.info).toMatchObject({ redis: { status: 'up' } });
  });

  it('is not ready while Redis is down, live all the same, and ready again once it is back', async () => {
    await redis.kill('SIGKILL');
    const { status, body } = await ready(hub);
    expect(status).toBe(503);
    expect(body.error).toEqual({ redis: { status: 'down', message: 'unreachable' } });
    expect((await fetch(`${hub.url}/health/live`)).status).toBe(200);
    redis = await processes.redis({ port: redis.port });
    await processes.until('ready again', async () => (await ready(hub)).status === 200, {
      timeoutMs: 15_000,
    });
  });

  it('is not ready while the database refuses connections', async () => {
    if (hub.database.config.kind !== 'postgres') throw new Error('postgres only');
    const name = new URL(hub.database.config.url).pathname.slice(1);
    const admin = new Client({ connectionString: hub.database.config.url.replace(/\/[^/]+$/, '/postgres') });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [name]);
      const { status, body } = await processes.until(
        'the database check to fail',
        async () => {
          const answer = await ready(hub);
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 15_000 },
      );
      expect(status).toBe(503);
      expect(body.error).toMatchObject({ database: { status: 'down', message: 'unreachable' } });
      // No driver message reaches the unauthenticated answer.
      expect(JSON.stringify(body)).not.toMatch(/terminat|refus|allow|connection/i);
    } finally {
      await admin.query(`ALTER DATABASE "${name}" ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    await processes.until('ready again', async () => (await ready(hub)).status === 200, {
      timeoutMs: 15_000,
    });
  });
});
