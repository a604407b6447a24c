import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  connectorEnv,
  type RegisteredAgency,
  registerConnectorAgency,
} from '../../apps/connector/src/connector.testing';
import { NODE_FLAGS } from '@passerelle/config';
import { defaultAgencies } from '@passerelle/synthetic';
import { newAdminToken, newCheckpointKey } from './auth';
import { onCleanup } from './cleanup';
import { type Child, freePort, ROOT, spawnNode, waitForHttp } from './processes';

/**
 * The processes of an exchange, each the built app as in production: the hub, the routing
 * worker (BullMQ), one sandbox process per agency (its FHIR server), one connector per agency.
 * Configuration variables are never inherited from the caller's shell, so runs compare.
 */

const EXIT_ON_SIGNAL = resolve(__dirname, 'exit-on-signal.js');
const main = (app: string) => resolve(ROOT, `dist/apps/${app}/src/main.js`);
/** Node's CPU profiler, its profile written when the process is stopped (`--profile`). */
const profileArgs = (dir?: string) =>
  dir ? ['--cpu-prof', '--cpu-prof-dir', dir, '-r', EXIT_ON_SIGNAL] : [];

/** Every variable the apps read: none comes from the shell running the benchmark. */
const APP_VARIABLES = (
  'PORT HOST DATABASE_URL DATABASE_POOL_SIZE DATA_DIR PUBLIC_BASE_URL BODY_LIMIT_BYTES FHIR_MAX_JSON_DEPTH ' +
  'FHIR_DEFAULT_PAGE_SIZE FHIR_MAX_PAGE_SIZE TOKEN_SIGNING_KEY ACCESS_TOKEN_TTL_SECONDS CLOCK_TOLERANCE_SECONDS ' +
  'ADMIN_TOKEN RATE_LIMIT RATE_LIMIT_PER_IP RATE_LIMIT_WINDOW_SECONDS REDIS_URL REDIS_KEY_PREFIX MIGRATIONS LOG_LEVEL ' +
  'AUDIT_CHECKPOINT_KEY AUDIT_CHECKPOINT_DIR ' +
  'SYNC_WORKER SYNC_POLL_INTERVAL_MS SYNC_CONCURRENCY SYNC_RESCAN_INTERVAL_MS WORKER_PORT CONSENT_MODEL BREAK_GLASS ' +
  'MAILROOM_DIR MAILROOM_AUTO_RUN_MINUTES MAILROOM_POLL_INTERVAL_MS MAILROOM_RUN_SIZE ' +
  'CONNECTOR_KIND CONNECTOR_PORT AGENCY_FHIR_URL AGENCY_FHIR_AUTH HUB_URL CLIENT_ID PRIVATE_KEY_FILE KEY_ID KEY_ALG ' +
  'POLL_INTERVAL_MS PAGE_SIZE PUBLISH_TYPES RECEIVE_TYPES PURPOSE_OF_USE RETRY_ATTEMPTS RETRY_BASE_DELAY_MS ' +
  'SANDBOX_PORT SANDBOX_AGENCIES SANDBOX_AGENCY_PORT SANDBOX_PATIENTS SANDBOX_SEED SANDBOX_COUNTRY ' +
  'SANDBOX_RESOURCES_PER_PATIENT SANDBOX_PUBLIC_HOST SANDBOX_AUTH'
).split(' ');

/** The per-agency rate limit, lifted: a backfill sends far more than the production default. */
const RATE_LIMIT_ENV = {
  RATE_LIMIT: '1000000',
  // Every simulated client calls from 127.0.0.1: the limit per address is lifted as well.
  RATE_LIMIT_PER_IP: '10000000',
  RATE_LIMIT_WINDOW_SECONDS: '1',
};

export function tempDir(label: string): string {
  const dir = mkdtempSync(join(tmpdir(), `passerelle-bench-${label}-`));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface RedisTarget {
  url: string;
  /** A key prefix of this run's own: the shared Redis is left as it was found. */
  prefix: string;
}

export function redisTarget(url: string, label: string): RedisTarget {
  return { url, prefix: `passerelle-bench-${label}-${randomBytes(4).toString('hex')}:` };
}

export interface SyncHubOptions {
  /** PostgreSQL; without it the hub runs on PGlite under its own data directory. */
  databaseUrl?: string;
  /** BullMQ on this Redis (the hub then leaves routing to a worker process). */
  redis?: RedisTarget;
  /** The outbox poll of the routing worker, wherever it runs. */
  syncPollIntervalMs: number;
  /** Without Redis: routing in the hub's process (the embedded default), or none (push only). */
  embeddedWorker?: 'in-process' | 'off';
  /** SYNC_CONCURRENCY for routing in the hub's process; unset: the default. */
  routeConcurrency?: number;
  profileDir?: string;
}

export interface SyncHub extends Child {
  url: string;
  fhir: string;
  adminToken: string;
  dataDir: string;
}

export async function startSyncHub(options: SyncHubOptions): Promise<SyncHub> {
  const port = await freePort();
  const adminToken = newAdminToken();
  const dataDir = tempDir('hub');
  const env: Record<string, string> = {
    ...RATE_LIMIT_ENV,
    PORT: String(port),
    HOST: '127.0.0.1',
    ADMIN_TOKEN: adminToken,
    AUDIT_CHECKPOINT_KEY: newCheckpointKey(),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    SYNC_POLL_INTERVAL_MS: String(options.syncPollIntervalMs),
    ...(options.routeConcurrency ? { SYNC_CONCURRENCY: String(options.routeConcurrency) } : {}),
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...(options.redis
      ? { REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.prefix, SYNC_WORKER: 'off' }
      : { SYNC_WORKER: options.embeddedWorker ?? 'in-process' }),
  };
  const started = spawnNode(
    [...NODE_FLAGS.hub, ...profileArgs(options.profileDir), main('hub')],
    env,
    APP_VARIABLES,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, started.child, started.output);
  return { ...started, url, fhir: `${url}/fhir`, adminToken, dataDir };
}

/** The routing worker as its own process: the hub's database, BullMQ on the hub's Redis prefix. */
export async function startSyncWorker(options: {
  databaseUrl: string;
  redis: RedisTarget;
  syncPollIntervalMs: number;
  /** SYNC_CONCURRENCY; unset: the default. */
  routeConcurrency?: number;
  profileDir?: string;
}): Promise<Child> {
  const port = await freePort();
  const started = spawnNode(
    [...profileArgs(options.profileDir), main('worker')],
    {
      ...(options.routeConcurrency ? { SYNC_CONCURRENCY: String(options.routeConcurrency) } : {}),
      HOST: '127.0.0.1',
      WORKER_PORT: String(port),
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redis.url,
      REDIS_KEY_PREFIX: options.redis.prefix,
      SYNC_POLL_INTERVAL_MS: String(options.syncPollIntervalMs),
      DATA_DIR: tempDir('worker'),
      LOG_LEVEL: 'error',
    },
    APP_VARIABLES,
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, started.child, started.output);
  return started;
}

export interface SandboxAgency extends Child {
  kind: 'hospital' | 'gp';
  id: string;
  baseUrl: string;
}

/** One agency's FHIR server (the sandbox app with one agency), seeded from the synthetic population. */
export async function startSandboxAgency(
  kind: 'hospital' | 'gp',
  patients: number,
  seed: number,
  profileDir?: string,
): Promise<SandboxAgency> {
  const [port, agencyPort] = [await freePort(), await freePort()];
  const started = spawnNode(
    [...profileArgs(profileDir), main('sandbox')],
    {
      HOST: '127.0.0.1',
      SANDBOX_PORT: String(port),
      SANDBOX_AGENCY_PORT: String(agencyPort),
      SANDBOX_AGENCIES: kind,
      SANDBOX_PATIENTS: String(patients),
      SANDBOX_SEED: String(seed),
      LOG_LEVEL: 'error',
    },
    APP_VARIABLES,
  );
  await waitForHttp(`http://127.0.0.1:${port}/health`, started.child, started.output);
  const identity = defaultAgencies('FR')[kind];
  return { ...started, kind, id: identity.id, baseUrl: `http://127.0.0.1:${agencyPort}/fhir` };
}

/** Registers the agency at the hub as an operator does, with its official identifiers (FINESS). */
export function registerAgency(hub: SyncHub, agency: SandboxAgency, dir: string): Promise<RegisteredAgency> {
  const identity = defaultAgencies('FR')[agency.kind];
  return registerConnectorAgency(
    hub.url,
    hub.adminToken,
    {
      id: agency.id,
      kind: agency.kind,
      name: identity.organization.name,
      identifiers: identity.organization.identifier,
    },
    { dir },
  );
}

export interface ConnectorProcess extends Child {
  url: string;
}

/** The connector app for `agency`, polling every `pollIntervalMs`, its cursors in its own PGlite. */
export async function startConnectorProcess(options: {
  agency: SandboxAgency;
  key: RegisteredAgency;
  hub: SyncHub;
  pollIntervalMs: number;
  pageSize: number;
  profileDir?: string;
}): Promise<ConnectorProcess> {
  const port = await freePort();
  const env = connectorEnv({
    kind: options.agency.kind,
    agencyFhirUrl: options.agency.baseUrl,
    hubUrl: options.hub.url,
    agency: options.key,
    database: { dataDir: tempDir(`connector-${options.agency.kind}`) },
    extra: {
      HOST: '127.0.0.1',
      CONNECTOR_PORT: String(port),
      POLL_INTERVAL_MS: String(options.pollIntervalMs),
      PAGE_SIZE: String(options.pageSize),
      LOG_LEVEL: 'warn',
    },
  });
  // As npm start and docker/compose.yaml run a connector: its V8 heap bounded (NODE_FLAGS).
  const started = spawnNode(
    [...NODE_FLAGS.connector, ...profileArgs(options.profileDir), main('connector')],
    env,
    APP_VARIABLES,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, started.child, started.output);
  return { ...started, url };
}

export interface ConnectorHealthView {
  sync: {
    lastPullAt: string | null;
    lastApplyAt: string | null;
    lastError: { stage: string; message: string } | null;
    totals: Record<string, number>;
  };
}

export async function connectorHealth(connector: ConnectorProcess): Promise<ConnectorHealthView> {
  const res = await fetch(`${connector.url}/health`);
  return (await res.json()) as ConnectorHealthView;
}
