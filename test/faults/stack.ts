import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bundle, BundleEntry, Encounter, Resource } from 'fhir/r4';
import Redis from 'ioredis';
import { Client } from 'pg';
import { type ConnectorHealth, HubTokenProvider } from '../../apps/connector/src';
import {
  connectorEnv,
  fetchAll,
  type RegisteredAgency,
  registerConnectorAgency,
} from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';
// Not '@passerelle/testing': its index loads the whole hub into the jest worker, and here the
// hub is a child process.
import {
  createPostgresDatabase,
  createTestDatabase,
  type StoreKind,
  type TestDatabase,
} from '../support/databases';
import { TEST_CHECKPOINT_KEY } from '../support/checkpoint-key';
import { type AppChild, Processes, type RedisChild } from '../support/processes';
import { RestartableAgency } from './restartable-agency';

/**
 * The production topology as real processes, for the exchange e2e and the fault tests: the
 * hospital and GP agency servers (the sandbox, in the test's process so a test can stop one and
 * read what it holds), a hub, a routing worker, one connector per agency and, when asked, a
 * redis-server of the stack's own. Poll intervals are short so that a test waits little.
 */

export type AgencyName = 'hospital' | 'gp';
export const ADMIN_TOKEN = 'fault-admin-token-0123456789abcdef0123456789';
/** Outbox rows per route job in the fault tests' workers. */
export const FAULT_ROUTE_BATCH = 5;

const SHARED_REDIS = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface StackOptions {
  hubStore: StoreKind;
  /**
   * `dedicated`: a redis-server of the stack's own (a test may kill it); `shared`: the test Redis
   * under a key prefix of the stack's own; `none`: the embedded default, routing in the hub's process.
   */
  redis: 'dedicated' | 'shared' | 'none';
  /** Synthetic population of the agency servers: patient 0 is known to both. Default 1. */
  seedPatients?: number;
  /** Given to the hub and to every worker (e.g. CONSENT_MODEL). */
  sharedEnv?: Record<string, string>;
  /** Per connector, e.g. PUBLISH_TYPES. */
  connectorEnv?: Partial<Record<AgencyName, Record<string, string>>>;
}

export interface SyncStatus {
  outboxBacklog: number;
  feeds: { agency: string; pending: number }[];
}

export interface RouteQueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

export class SyncStack {
  readonly processes = new Processes();
  readonly prefix = `test-sync-${randomUUID()}:`;
  hospital!: AgencyServer;
  gp!: RestartableAgency;
  hub!: AppChild;
  redis?: RedisChild;
  readonly workers: AppChild[] = [];
  readonly connectors: Partial<Record<AgencyName, AppChild>> = {};
  readonly keys: Partial<Record<AgencyName, RegisteredAgency>> = {};
  hubDb!: TestDatabase;
  private connectorDb?: TestDatabase;
  private readonly dir = mkdtempSync(join(tmpdir(), 'passerelle-stack-'));

  constructor(readonly options: StackOptions) {}

  get redisUrl(): string | undefined {
    return this.options.redis === 'dedicated'
      ? this.redis?.url
      : this.options.redis === 'shared'
        ? SHARED_REDIS
        : undefined;
  }

  /**
   * Everything up and the first sync done: the GP's patients and then the hospital's records are
   * at the hub. A worker process runs when there is Redis (else the hub routes in its process).
   */
  async start(): Promise<this> {
    const patients = this.options.seedPatients ?? 1;
    this.hospital = await startAgencyServer({ kind: 'hospital', seed: { patients } });
    this.gp = new RestartableAgency(await startAgencyServer({ kind: 'gp', seed: { patients } }));
    if (this.options.redis === 'dedicated') this.redis = await this.processes.redis();
    this.hubDb = await createTestDatabase(this.options.hubStore);
    await this.startHub();
    for (const name of ['hospital', 'gp'] as const) {
      const { id, kind, identity } = name === 'gp' ? this.gp.server : this.hospital;
      this.keys[name] = await registerConnectorAgency(
        this.hub.url,
        ADMIN_TOKEN,
        { id, kind, name: identity.organization.name, identifiers: identity.organization.identifier },
        { dir: this.dir },
      );
    }
    if (this.redisUrl) await this.startWorker();
    // The GP's record of the person first, so the MPI links the hospital's record to it at once.
    await this.startConnector('gp');
    await this.startConnector('hospital');
    return this;
  }

  /** The hub on its database; `port` to restart it where the connectors expect it. */
  async startHub(port?: number): Promise<AppChild> {
    const db = this.hubDb.config;
    this.hub = await this.processes.app('hub', {
      port,
      env: {
        ADMIN_TOKEN,
        AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
        AUDIT_CHECKPOINT_DIR: join(this.dir, 'audit-checkpoints'),
        RATE_LIMIT: '1000000',
        // The connectors and the test share 127.0.0.1: the limit per address is lifted too.
        RATE_LIMIT_PER_IP: '10000000',
        ...(db.kind === 'postgres' ? { DATABASE_URL: db.url } : { DATA_DIR: db.dataDir }),
        MAILROOM_DIR: join(this.dir, 'mailroom'),
        ...(this.redisUrl
          ? { REDIS_URL: this.redisUrl, REDIS_KEY_PREFIX: this.prefix, SYNC_WORKER: 'off' }
          : { SYNC_WORKER: 'in-process' }),
        ...this.workerTuning(),
        ...this.options.sharedEnv,
      },
    });
    return this.hub;
  }

  /** A routing worker process (PostgreSQL and Redis only). */
  async startWorker(): Promise<AppChild> {
    const db = this.hubDb.config;
    if (db.kind !== 'postgres' || !this.redisUrl)
      throw new Error('a worker process needs PostgreSQL and Redis');
    const worker = await this.processes.app('worker', {
      name: `worker-${this.workers.length + 1}`,
      env: {
        DATABASE_URL: db.url,
        REDIS_URL: this.redisUrl,
        REDIS_KEY_PREFIX: this.prefix,
        MAILROOM_DIR: join(this.dir, 'mailroom'),
        ...this.workerTuning(),
        ...this.options.sharedEnv,
      },
    });
    this.workers.push(worker);
    return worker;
  }

  /** A connector process, once its first pull and apply are done. */
  async startConnector(name: AgencyName): Promise<AppChild> {
    const key = this.keys[name];
    if (!key) throw new Error(`${name} is not registered`);
    const server = name === 'gp' ? this.gp.server : this.hospital;
    const database =
      this.options.hubStore === 'postgres'
        ? { url: (await this.connectorDatabase()).url }
        : { dataDir: join(this.dir, `connector-${name}`) };
    const env = connectorEnv({
      kind: server.kind,
      agencyFhirUrl: server.baseUrl,
      hubUrl: this.hub.url,
      agency: key,
      database,
      extra: {
        POLL_INTERVAL_MS: '100',
        PAGE_SIZE: '100',
        RETRY_ATTEMPTS: '3',
        RETRY_BASE_DELAY_MS: '50',
        RETRY_MAX_DELAY_MS: '400',
        ...this.options.connectorEnv?.[name],
      },
    });
    const connector = await this.processes.app('connector', { name: `${name}-connector`, env });
    this.connectors[name] = connector;
    await this.processes.until(`the ${name} connector's first cycle`, async () => {
      const { sync } = await this.connectorHealth(name);
      return sync.lastPullAt !== null && sync.lastApplyAt !== null;
    });
    return connector;
  }

  async connectorHealth(name: AgencyName): Promise<ConnectorHealth> {
    const connector = this.connectors[name];
    if (!connector) throw new Error(`no ${name} connector`);
    const res = await fetch(`${connector.url}/health`);
    if (res.status !== 200) throw new Error(`${name} connector /health: ${res.status}`);
    return (await res.json()) as ConnectorHealth;
  }

  /** An access token of the agency at the hub (reads, the feed, its AuditEvents). */
  async token(name: AgencyName, scope = 'system/*.rs'): Promise<string> {
    const key = this.keys[name];
    if (!key) throw new Error(`${name} is not registered`);
    return new HubTokenProvider({
      url: this.hub.url,
      clientId: key.id,
      key: { privateKey: key.privateKey, kid: key.kid, alg: 'ES384' },
      scope,
      purposeOfUse: 'TREAT',
    }).token();
  }

  /** A request to the hub as an agency (FHIR) or as the operator (`/admin`). */
  async hubJson<T>(
    path: string,
    as: AgencyName | 'admin',
    init: { method?: string; body?: unknown; scope?: string } = {},
  ): Promise<T> {
    const token = as === 'admin' ? ADMIN_TOKEN : await this.token(as, init.scope);
    const res = await fetch(`${this.hub.url}${path}`, {
      method: init.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/fhir+json, application/json',
        ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
      },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    const text = await res.text();
    if (res.status >= 300)
      throw new Error(`${init.method ?? 'GET'} ${path.split('?')[0]}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  syncStatus(): Promise<SyncStatus> {
    return this.hubJson<SyncStatus>('/admin/sync/status', 'admin');
  }

  /** The `route` queue's counts, as the operator sees them (`GET /admin/queues`). */
  async routeQueue(): Promise<RouteQueueCounts> {
    const overview = await this.hubJson<{ queues: { name: string; counts: RouteQueueCounts }[] }>(
      '/admin/queues',
      'admin',
    );
    const route = overview.queues.find((q) => q.name === 'route');
    if (!route) throw new Error('no route queue');
    return route.counts;
  }

  /** Feed items waiting for the agency's acknowledgement. */
  async pending(name: AgencyName): Promise<number> {
    const id = this.keys[name]?.id;
    return (await this.syncStatus()).feeds.find((f) => f.agency === id)?.pending ?? 0;
  }

  /** Every entry of the agency's feed from the start, following next links. */
  async feed(name: AgencyName): Promise<BundleEntry[]> {
    const entries: BundleEntry[] = [];
    let path: string | undefined = '/fhir/$changes?_count=500';
    while (path) {
      const page: Bundle = await this.hubJson<Bundle>(path, name);
      entries.push(...(page.entry ?? []));
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      path = next ? next.slice(next.indexOf('/fhir/')) : undefined;
    }
    return entries;
  }

  /** One statement on the hub's PostgreSQL database. */
  async sql<T>(query: string, params: unknown[] = []): Promise<T[]> {
    const client = await this.pg();
    try {
      return (await client.query(query, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** A connection of the test's own to the hub's database (e.g. to hold a lock); end it yourself. */
  async pg(): Promise<Client> {
    const db = this.hubDb.config;
    if (db.kind !== 'postgres') throw new Error('the hub is not on PostgreSQL');
    const client = new Client({ connectionString: db.url });
    await client.connect();
    return client;
  }

  /**
   * Holds routing mid-job: a transaction of the test's own locks the feed table against writes,
   * so each route job that reaches its feed insert waits there, running, until `release()`.
   * Reading the feed goes on; acknowledging it waits too.
   */
  async holdRouting(): Promise<{ release(): Promise<void> }> {
    const client = await this.pg();
    await client.query('BEGIN');
    await client.query('LOCK TABLE sync_feed IN EXCLUSIVE MODE');
    return {
      release: async () => {
        await client.query('COMMIT');
        await client.end();
      },
    };
  }

  // ---- Data at the agencies ----------------------------------------------------------------

  /** The identifier system of the hospital's encounters (its own, as the sandbox's records). */
  get encounterSystem(): string {
    return `${this.hospital.identity.identifierSystem}/encounter`;
  }

  /** The hospital's local Patient id of population member `index` (by its record number). */
  async hospitalPatient(index = 0): Promise<string> {
    const patients = await fetchAll(this.hospital.baseUrl, 'Patient');
    const mrn = (r: Resource) => (r as { identifier?: { value?: string }[] }).identifier?.[0]?.value ?? '';
    const sorted = patients.sort((a, b) => mrn(a).localeCompare(mrn(b)));
    const id = sorted[index]?.id;
    if (!id) throw new Error(`the hospital has no patient #${index}`);
    return id;
  }

  /** Writes a resource at the hospital as its EHR would (HTTP create); returns it as stored. */
  async writeAtHospital<T extends Resource>(resource: T): Promise<T> {
    const res = await fetch(`${this.hospital.baseUrl}/${resource.resourceType}`, {
      method: 'POST',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify(resource),
    });
    if (res.status !== 201) throw new Error(`hospital create ${resource.resourceType}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** `count` new stays of patient `patient` at the hospital; returns their identifier values. */
  async writeEncounters(label: string, count: number, patient: string): Promise<string[]> {
    const values = Array.from({ length: count }, (_, i) => `${label}-${String(i + 1).padStart(3, '0')}`);
    for (const value of values) {
      const stay: Encounter = {
        resourceType: 'Encounter',
        identifier: [{ system: this.encounterSystem, value }],
        status: 'finished',
        class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
        subject: { reference: `Patient/${patient}` },
        period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
      };
      await this.writeAtHospital(stay);
    }
    return values;
  }

  async close(): Promise<void> {
    await this.processes.stopAll();
    await this.gp?.close();
    await this.hospital?.close();
    await this.hubDb?.drop();
    await this.connectorDb?.drop();
    if (this.options.redis === 'shared') {
      const redis = new Redis(SHARED_REDIS);
      const keys = await redis.keys(`${this.prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Where the connectors keep their cursors, when on PostgreSQL. */
  get connectorDatabaseUrl(): string | undefined {
    const config = this.connectorDb?.config;
    return config?.kind === 'postgres' ? config.url : undefined;
  }

  private workerTuning(): Record<string, string> {
    // The rescan re-enqueues every unrouted outbox row (jobs a lost Redis took with it); short
    // locks let another worker take back the jobs of a killed one within seconds. Small route
    // batches, so that a fault finds several jobs queued and running at once.
    return {
      SYNC_ROUTE_BATCH: String(FAULT_ROUTE_BATCH),
      SYNC_POLL_INTERVAL_MS: '50',
      SYNC_RESCAN_INTERVAL_MS: '1000',
      QUEUE_LOCK_DURATION_MS: '2000',
      QUEUE_STALLED_INTERVAL_MS: '1000',
    };
  }

  /** One PostgreSQL database for both connectors' cursors (keyed by agency). */
  private async connectorDatabase(): Promise<{ url: string }> {
    this.connectorDb ??= await createPostgresDatabase(2);
    const config = this.connectorDb.config;
    if (config.kind !== 'postgres') throw new Error('expected PostgreSQL');
    return { url: config.url };
  }
}
