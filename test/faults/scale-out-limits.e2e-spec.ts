import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import jwt from 'jsonwebtoken';
import { HubTokenProvider } from '../../apps/connector/src';
import { registerConnectorAgency, type RegisteredAgency } from '../../apps/connector/src/connector.testing';
import { TEST_CHECKPOINT_KEY } from '../support/checkpoint-key';
import { createPostgresDatabase, type TestDatabase } from '../support/databases';
import { type AppChild, Processes } from '../support/processes';
import { RoundRobin } from './round-robin';
import { ADMIN_TOKEN } from './stack';

/**
 * What two hubs on one database and one Redis must hold between them, not each on its own: a
 * client assertion spent at one hub is refused at the other (the jti store is the database's),
 * and an agency's rate limit is one count across hubs (the counters are Redis's). Hub processes
 * behind the test's round-robin, with a limit low enough to reach (no connectors: they would
 * reach it first).
 */
const LIMIT = 30;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('scale-out: what two hubs share (jti, rate limit)', () => {
  const processes = new Processes();
  const front = new RoundRobin();
  const prefix = `test-scale-limits-${randomUUID()}:`;
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-scale-limits-'));
  const hubs: AppChild[] = [];
  let database: TestDatabase;
  let clinic: RegisteredAgency;

  beforeAll(async () => {
    await front.listen();
    database = await createPostgresDatabase();
    const db = database.config;
    if (db.kind !== 'postgres') throw new Error('expected PostgreSQL');
    for (const index of [0, 1]) {
      hubs[index] = await processes.app('hub', {
        name: `hub-${index}`,
        env: {
          ADMIN_TOKEN,
          AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
          AUDIT_CHECKPOINT_DIR: join(dir, 'audit-checkpoints'),
          DATABASE_URL: db.url,
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          SYNC_WORKER: 'off',
          MAILROOM_DIR: join(dir, 'mailroom'),
          PUBLIC_BASE_URL: front.url,
          RATE_LIMIT: String(LIMIT),
          RATE_LIMIT_WINDOW_SECONDS: '600',
          RATE_LIMIT_PER_IP: '1000000',
        },
      });
      front.upstreams[index] = hubs[index];
    }
    clinic = await registerConnectorAgency(
      front.url,
      ADMIN_TOKEN,
      { id: 'clinic', kind: 'hospital' },
      { dir },
    );
  }, 120_000);

  afterAll(async () => {
    await front.close();
    await processes.stopAll();
    await database?.drop();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** The token request of a client assertion, sent to one hub itself. */
  const exchange = (hub: AppChild, assertion: string) =>
    fetch(`${hub.url}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
        scope: 'system/*.rs',
        purpose_of_use: 'TREAT',
      }),
    });

  it('refuses at one hub a client assertion already spent at the other', async () => {
    const assertion = jwt.sign(
      { iss: clinic.id, sub: clinic.id, aud: `${front.url}/auth/token`, jti: randomUUID() },
      clinic.privateKey,
      { algorithm: 'ES384', keyid: clinic.kid, expiresIn: 120 },
    );
    const spent = await exchange(hubs[0], assertion);
    expect(spent.status).toBe(200);
    const replayed = await exchange(hubs[1], assertion);
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toMatchObject({ error: 'invalid_client' });
    // A fresh assertion is accepted at the second hub: the refusal was the jti, not the hub.
    const fresh = jwt.sign(
      { iss: clinic.id, sub: clinic.id, aud: `${front.url}/auth/token`, jti: randomUUID() },
      clinic.privateKey,
      { algorithm: 'ES384', keyid: clinic.kid, expiresIn: 120 },
    );
    expect((await exchange(hubs[1], fresh)).status).toBe(200);
  });

  it('holds an agency to one rate limit across both hubs', async () => {
    const token = await new HubTokenProvider({
      url: front.url,
      clientId: clinic.id,
      key: { privateKey: clinic.privateKey, kid: clinic.kid, alg: 'ES384' },
      scope: 'system/*.rs',
      purposeOfUse: 'TREAT',
    }).token();
    // Twice the limit, alternating between the hubs: each hub alone would allow LIMIT.
    const answers = await Promise.all(
      Array.from({ length: 2 * LIMIT }, async () => {
        const res = await fetch(`${front.url}/fhir/Patient?_count=1`, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/fhir+json' },
        });
        await res.body?.cancel();
        return { status: res.status, hub: res.headers.get('x-upstream') };
      }),
    );
    const byStatus = (status: number) => answers.filter((a) => a.status === status);
    expect(byStatus(200).length + byStatus(429).length).toBe(2 * LIMIT);
    expect(byStatus(200).length).toBe(LIMIT);
    // Both hubs refused some: each counted the other's requests.
    expect(new Set(byStatus(429).map((a) => a.hub))).toEqual(new Set(['0', '1']));
  });
});
