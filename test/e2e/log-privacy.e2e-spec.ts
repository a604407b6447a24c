import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, Patient } from 'fhir/r4';
import {
  builtApp,
  createPostgresDatabase,
  freePort,
  Processes,
  registerAgency,
  TEST_ADMIN_TOKEN,
  TEST_CHECKPOINT_KEY,
  type TestAgency,
  type TestDatabase,
} from '@passerelle/testing';
import { Client } from 'pg';
import { generatePatients, type SyntheticPatient, toTransactionBundle } from '@passerelle/synthetic';

/**
 * The synthetic patients pushed through a hub and a worker (built, as processes, on PostgreSQL
 * and Redis) at LOG_LEVEL=debug, read back by name, birth date and identifier, written wrong,
 * asked for under a hostile X-Request-Id: every line either process writes is captured, and no
 * family name, given name, identifier or birth date of any patient is in them. The hub's access
 * lines are checked too: one per request, with its route template and nothing else of the URL.
 */
const PATIENTS = 8;
const SEED = 20_261_207;
const ROOT = join(__dirname, '..', '..');

interface Captured {
  proc: ChildProcess;
  lines: string[];
}

function start(app: 'hub' | 'worker', env: Record<string, string>): Captured {
  const proc = spawn(process.execPath, [builtApp(app)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = { out: '', err: '' };
  const collect = (stream: 'out' | 'err') => (chunk: Buffer) => {
    const text = partial[stream] + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = { ...partial, [stream]: parts.pop() ?? '' };
    for (const line of parts) if (line !== '') lines.push(stream === 'out' ? line : `[stderr] ${line}`);
  };
  proc.stdout?.on('data', collect('out'));
  proc.stderr?.on('data', collect('err'));
  return { proc, lines };
}

async function untilHealthy(url: string, captured: Captured): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (captured.proc.exitCode !== null) throw new Error(`exited:\n${captured.lines.join('\n')}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered:\n${captured.lines.join('\n')}`);
}

function stop(captured: Captured): Promise<void> {
  if (captured.proc.exitCode !== null || captured.proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    captured.proc.once('exit', () => resolve());
    captured.proc.kill('SIGTERM');
  });
}

/** Every value of a patient that must never be logged. */
function secretsOf(p: SyntheticPatient): string[] {
  const patient = p.entries.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
  return [
    ...(patient.name ?? []).flatMap((n) => [n.family ?? '', ...(n.given ?? [])]),
    ...(patient.identifier ?? []).map((i) => i.value ?? ''),
    patient.birthDate ?? '',
  ].filter((v) => v.length >= 2);
}

describe('logs hold no patient data (hub and worker, LOG_LEVEL=debug)', () => {
  const processes = new Processes();
  let db: TestDatabase;
  let dir: string;
  let hub: Captured;
  let worker: Captured;
  let hubUrl: string;
  let hospital: TestAgency;
  const patients = generatePatients(PATIENTS, SEED, { country: 'mixed' });
  const requestIds: string[] = [];

  beforeAll(async () => {
    db = await createPostgresDatabase(4);
    if (db.config.kind !== 'postgres') throw new Error('postgres only');
    dir = mkdtempSync(join(tmpdir(), 'log-privacy-'));
    const redis = await processes.redis();
    const shared = {
      DATABASE_URL: db.config.url,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `log-privacy-${process.pid}:`,
      LOG_LEVEL: 'debug',
      HOST: '127.0.0.1',
      MAILROOM_DIR: join(dir, 'print-runs'),
    };
    const port = await freePort();
    hubUrl = `http://127.0.0.1:${port}`;
    hub = start('hub', {
      ...shared,
      PORT: String(port),
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
      AUDIT_CHECKPOINT_DIR: join(dir, 'checkpoints'),
      RATE_LIMIT_PER_IP: '1000000',
    });
    await untilHealthy(`${hubUrl}/health/ready`, hub);
    const workerPort = await freePort();
    worker = start('worker', { ...shared, WORKER_PORT: String(workerPort) });
    await untilHealthy(`http://127.0.0.1:${workerPort}/health`, worker);
    hospital = await registerAgency({ url: hubUrl }, { id: 'log-hospital', kind: 'hospital' });
  }, 120_000);

  afterAll(async () => {
    if (hub) await stop(hub);
    if (worker) await stop(worker);
    await processes.stopAll();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests, reads and routes the patients, then finds none of their data in any log line', async () => {
    const token = await hospital.token();
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`${hubUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          accept: 'application/fhir+json',
          ...(body ? { 'content-type': 'application/fhir+json' } : {}),
          ...headers,
        },
        body: body ? JSON.stringify(body) : undefined,
      });
      requestIds.push(res.headers.get('x-request-id') ?? '');
      return { status: res.status, body: await res.json() };
    };

    for (const p of patients) {
      const { status, body } = await call('POST', '/fhir', toTransactionBundle(p, 'create'));
      expect(status).toBe(200);
      const patientId = (body as Bundle).entry
        ?.map((e) => e.response?.location ?? '')
        .find((l) => l.startsWith('Patient/'))
        ?.split('/')[1];
      const patient = p.entries.find((e) => e.resource.resourceType === 'Patient')?.resource as Patient;
      const family = patient.name?.[0]?.family ?? '';
      const identifier = patient.identifier?.[0];
      // Query values that are patient data: names, birth dates, identifiers.
      expect(
        (
          await call(
            'GET',
            `/fhir/Patient?family=${encodeURIComponent(family)}&birthdate=${patient.birthDate}`,
          )
        ).status,
      ).toBe(200);
      expect(
        (
          await call(
            'GET',
            `/fhir/Patient?identifier=${encodeURIComponent(`${identifier?.system}|${identifier?.value}`)}`,
          )
        ).status,
      ).toBe(200);
      expect((await call('GET', `/fhir/Patient/${patientId}`)).status).toBe(200);
      expect((await call('GET', `/fhir/Patient/${patientId}/$everything`)).status).toBe(200);
      // A resource the hub refuses, carrying the patient's name and birth date.
      const refused = await call('POST', '/fhir/Patient', {
        ...patient,
        id: undefined,
        birthDate: `${patient.birthDate}x`,
      });
      expect(refused.status).toBe(400);
      // A request id made of patient data is not adopted.
      const hostile = await call('GET', '/fhir/metadata', undefined, { 'x-request-id': family });
      expect(requestIds.at(-1)).not.toBe(family);
      expect(hostile.status).toBe(200);
    }
    // A caller's well-formed request id is adopted and returned.
    const mine = 'd3b07384-d113-4ec6-a2b8-2f5e4c7b2a10';
    await call('GET', '/fhir/metadata', undefined, { 'x-request-id': mine });
    expect(requestIds.at(-1)).toBe(mine);

    // The worker routes every change (its logs at debug cover the routing of each).
    const client = new Client({ connectionString: db.config.kind === 'postgres' ? db.config.url : '' });
    await client.connect();
    try {
      await processes.until(
        'the worker to route every change',
        async () => {
          const { rows } = await client.query<{ n: string }>(
            'SELECT count(*) AS n FROM sync_outbox WHERE routed_at IS NULL',
          );
          return rows[0]?.n === '0';
        },
        { timeoutMs: 60_000 },
      );
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM sync_outbox');
      expect(Number(rows[0]?.n)).toBeGreaterThan(PATIENTS);
    } finally {
      await client.end();
    }
    await stop(hub);
    await stop(worker);

    const all = [...hub.lines, ...worker.lines];
    expect(worker.lines.length).toBeGreaterThan(0);
    const leaks: string[] = [];
    const secrets = patients.flatMap(secretsOf);
    expect(secrets.length).toBeGreaterThanOrEqual(PATIENTS * 4);
    for (const secret of secrets) {
      const escaped = secret.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const word = new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'u');
      for (const line of all) if (word.test(line)) leaks.push(`${secret}: ${line}`);
    }
    expect(leaks).toEqual([]);

    // Structured: every line on standard output is one JSON object, at a named level.
    for (const line of all.filter((l) => !l.startsWith('[stderr]'))) {
      const parsed = JSON.parse(line) as { level?: unknown; service?: unknown; msg?: unknown };
      expect(typeof parsed.level).toBe('string');
      expect(['hub', 'worker']).toContain(parsed.service);
    }
    // One access line per request answered, each with exactly these fields.
    const access = hub.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'request' && typeof l.requestId === 'string');
    for (const id of requestIds) expect(access.filter((l) => l.requestId === id)).toHaveLength(1);
    const line = access.find((l) => l.route === '/fhir/:type/:id');
    expect(line).toBeDefined();
    expect(Object.keys(line ?? {}).sort()).toEqual(
      [
        'agency',
        'durationMs',
        'level',
        'method',
        'msg',
        'requestId',
        'route',
        'service',
        'status',
        'time',
      ].sort(),
    );
    expect(line).toMatchObject({ agency: 'log-hospital', method: 'GET', status: 200, level: 'info' });
    expect(new Set(access.map((l) => l.route))).toEqual(
      new Set([
        '/fhir',
        '/fhir/:type',
        '/fhir/:type/:id',
        '/fhir/:type/:id/$everything',
        '/fhir/metadata',
        '/health/ready',
        '/auth/token',
        '/admin/agencies',
      ]),
    );
  });
});
