import { resolve } from 'node:path';
import { type AuditCheckpointConfig, readAuditCheckpoints } from './audit-checkpoint-config';
import { type Env, EnvReader } from './env';
import { type MailroomConfig, readMailroom } from './mailroom-config';
import { type OidcConfig, readOidc } from './oidc-config';
import { operatorCredentialProblem } from './operator-credential';
import { LOG_LEVEL_NAMES, type LogLevelName } from './startup';
import { readTrustProxy } from './trust-proxy';

/** Where resources are stored: a PostgreSQL server, or PGlite embedded in the process. */
export type DatabaseConfig =
  | { kind: 'postgres'; /** secret: may carry a password */ url: string; poolSize: number }
  | { kind: 'pglite'; dataDir: string; /** Default DEFAULT_PGLITE_MEMORY. */ memory?: PgliteMemory };

/**
 * PostgreSQL's memory settings inside the embedded PGlite, as PostgreSQL sizes (`16MB`). Its
 * WebAssembly memory only grows: what these allow stays resident until the process exits.
 */
export interface PgliteMemory {
  /** shared_buffers (PGLITE_SHARED_BUFFERS): the page cache; PostgreSQL's default is 128MB. */
  sharedBuffers: string;
  /** work_mem (PGLITE_WORK_MEM): per sort or hash before it spills to a temporary file. */
  workMem: string;
  /** maintenance_work_mem (PGLITE_MAINTENANCE_WORK_MEM): VACUUM, CREATE INDEX. */
  maintenanceWorkMem: string;
}

export interface HttpConfig {
  host: string;
  port: number;
  /** Base URL clients see, used in Location headers and Bundle links. */
  publicBaseUrl: string;
  bodyLimitBytes: number;
  /**
   * Proxies whose `X-Forwarded-For` names the client (addresses, CIDR ranges, or `loopback`,
   * `linklocal`, `uniquelocal`). Empty: the client is the peer of the TCP connection.
   */
  trustProxy: string[];
}

export interface FhirApiConfig {
  maxJsonDepth: number;
  defaultPageSize: number;
  maxPageSize: number;
  /** A transaction or batch Bundle with more entries is refused whole (413). */
  maxBundleEntries: number;
  /**
   * Where a write's audit record is appended: in the write's own transaction (always, but in
   * benchmarks), or after it commits through the group commit (the previous behaviour, kept only
   * as bench/ingest's baseline: a write can then commit without its record).
   */
  writeAudit: 'in-transaction' | 'after-commit';
}

export interface AuthConfig {
  /** secret: PEM private key (EC P-384) signing access tokens; when unset one is generated once and kept in the database. */
  tokenSigningKey?: string;
  /** Access token lifetime, at most 300 s. */
  accessTokenTtlSeconds: number;
  /** Clock skew tolerated when checking exp/iat/nbf. */
  clockToleranceSeconds: number;
  /** secret: the operator credential for /admin; at least 32 characters. Generated on the embedded default. */
  adminToken?: string;
  /**
   * Rate limits per window (seconds): `perIp` requests from one client address, counted first,
   * before any token is checked; then `limit` requests per agency.
   */
  rateLimit: { limit: number; perIp: number; windowSeconds: number };
}

export interface ConsentConfig {
  /** implied: sharing for direct care unless the patient objects; explicit: opt-in only. */
  model: 'implied' | 'explicit';
  /** Whether ETREAT with a reason may override a deny (audited, and the patient is told). */
  breakGlass: 'allowed' | 'forbidden';
  /**
   * Parsed Consent versions kept in memory per process (CONSENT_PARSE_CACHE_SIZE): only the
   * parsing is cached, never a decision; past it the oldest are dropped and parsed again.
   */
  parseCacheSize: number;
}

/** The routing worker: in the hub's own process (embedded default), or a separate `worker` app. */
export interface SyncConfig {
  worker: 'in-process' | 'off';
  pollIntervalMs: number;
  concurrency: number;
  /** Outbox rows one `route` job routes together, in one transaction (SYNC_ROUTE_BATCH). */
  routeBatchSize: number;
  /** How often every unrouted outbox row is enqueued again (re-derives jobs a queue lost). */
  rescanIntervalMs: number;
  /**
   * BullMQ stalled-job recovery: a job's lock lasts `lockDurationMs`; every `stalledIntervalMs`
   * jobs whose worker died are given back; after `maxStalledCount` stalls a job fails.
   */
  stalled: { lockDurationMs: number; stalledIntervalMs: number; maxStalledCount: number };
  /**
   * SYNC_ROUTING_RULES: the deployment's routing rules file (JSON, docs/sync.md), read and checked
   * at start by whoever routes; unset: the default rules (libs/sync default-routing-rules.json).
   */
  routingRulesFile?: string;
}

export interface HubConfig {
  http: HttpConfig;
  database: DatabaseConfig;
  fhir: FhirApiConfig;
  auth: AuthConfig;
  consent: ConsentConfig;
  sync: SyncConfig;
  auditCheckpoints: AuditCheckpointConfig;
  /** Redis (rate limits now; queues later). Unset: in-process equivalents. secret: may carry a password. */
  redisUrl?: string;
  /** Prefix of every Redis key, so deployments (and tests) can share one Redis. */
  redisKeyPrefix: string;
  /** Run pending migrations at start-up (`auto`, the default), or leave them to `npm run migration:run`. */
  migrations: 'auto' | 'manual';
  logLevel: LogLevelName;
  /** `/health/ready` reports the audit writer stalled when a record has waited longer (AUDIT_STALL_SECONDS). */
  auditStallMs: number;
  /** The pages' optional OpenID Connect login. */
  oidc?: OidcConfig;
  /** Letters and print runs (MAILROOM_*, LETTER_SENDER_*, LETTER_TIME_ZONE). */
  mailroom: MailroomConfig;
}

export const HUB_CONFIG = Symbol('HUB_CONFIG');

/** DATABASE_URL (PostgreSQL), else the embedded PGlite under DATA_DIR. */
export function readDatabase(r: EnvReader): DatabaseConfig {
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  return databaseUrl
    ? { kind: 'postgres', url: databaseUrl, poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200) }
    : { kind: 'pglite', dataDir: resolve(r.string('DATA_DIR', './data')), memory: readPgliteMemory(r) };
}

/** The embedded hub's defaults: a quarter of PostgreSQL's page cache, the rest PostgreSQL's. */
export const DEFAULT_PGLITE_MEMORY: PgliteMemory = {
  sharedBuffers: '32MB',
  workMem: '4MB',
  maintenanceWorkMem: '32MB',
};

const PG_SIZE = /^[1-9][0-9]*(kB|MB|GB)$/;

/** `value` (read from `name`) when it is a PostgreSQL size, else a problem and `fallback`. */
function pgSize(r: EnvReader, name: string, value: string, fallback: string): string {
  if (PG_SIZE.test(value)) return value;
  r.problems.push(`${name} must be a PostgreSQL size such as 16MB or 512kB (got "${value}")`);
  return fallback;
}

export function readPgliteMemory(r: EnvReader): PgliteMemory {
  const d = DEFAULT_PGLITE_MEMORY;
  return {
    sharedBuffers: pgSize(
      r,
      'PGLITE_SHARED_BUFFERS',
      r.string('PGLITE_SHARED_BUFFERS', d.sharedBuffers),
      d.sharedBuffers,
    ),
    workMem: pgSize(r, 'PGLITE_WORK_MEM', r.string('PGLITE_WORK_MEM', d.workMem), d.workMem),
    maintenanceWorkMem: pgSize(
      r,
      'PGLITE_MAINTENANCE_WORK_MEM',
      r.string('PGLITE_MAINTENANCE_WORK_MEM', d.maintenanceWorkMem),
      d.maintenanceWorkMem,
    ),
  };
}

export function readConsent(r: EnvReader): ConsentConfig {
  return {
    model: r.oneOf('CONSENT_MODEL', ['implied', 'explicit'] as const, 'implied'),
    breakGlass: r.oneOf('BREAK_GLASS', ['allowed', 'forbidden'] as const, 'allowed'),
    parseCacheSize: r.int('CONSENT_PARSE_CACHE_SIZE', 5_000, 1, 1_000_000),
  };
}

/** The rules file as an absolute path (the process may change directory), when one is named. */
function routingRulesFile(r: EnvReader): Pick<SyncConfig, 'routingRulesFile'> {
  const file = r.optionalString('SYNC_ROUTING_RULES');
  return file === undefined ? {} : { routingRulesFile: resolve(file) };
}

/** SYNC_WORKER defaults to the hub's process without Redis, to a separate worker with it. */
export function readSync(r: EnvReader, redisUrl: string | undefined): SyncConfig {
  return {
    worker: r.oneOf('SYNC_WORKER', ['in-process', 'off'] as const, redisUrl ? 'off' : 'in-process'),
    pollIntervalMs: r.int('SYNC_POLL_INTERVAL_MS', 200, 10, 60_000),
    concurrency: r.int('SYNC_CONCURRENCY', 4, 1, 64),
    routeBatchSize: r.int('SYNC_ROUTE_BATCH', 100, 1, 1000),
    rescanIntervalMs: r.int('SYNC_RESCAN_INTERVAL_MS', 30_000, 100, 3_600_000),
    stalled: {
      lockDurationMs: r.int('QUEUE_LOCK_DURATION_MS', 30_000, 1000, 3_600_000),
      stalledIntervalMs: r.int('QUEUE_STALLED_INTERVAL_MS', 30_000, 500, 3_600_000),
      maxStalledCount: r.int('QUEUE_MAX_STALLED_COUNT', 1, 0, 100),
    },
    ...routingRulesFile(r),
  };
}

/** Reads and validates the hub's configuration; throws ConfigError listing every problem. */
export function loadHubConfig(env: Env = process.env): HubConfig {
  const r = new EnvReader(env);
  const port = r.int('PORT', 8080, 0, 65535);
  const host = r.string('HOST', '127.0.0.1');
  const database = readDatabase(r);
  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:']);
  const publicUrl = r.url('PUBLIC_BASE_URL', ['http:', 'https:']);
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const config: HubConfig = {
    http: {
      host,
      port,
      publicBaseUrl: (publicUrl ?? `http://${displayHost}:${port}`).replace(/\/+$/, ''),
      bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
      trustProxy: readTrustProxy(r),
    },
    database,
    fhir: {
      maxJsonDepth: r.int('FHIR_MAX_JSON_DEPTH', 48, 8, 512),
      defaultPageSize: r.int('FHIR_DEFAULT_PAGE_SIZE', 20, 1, 1000),
      maxPageSize: r.int('FHIR_MAX_PAGE_SIZE', 500, 1, 5000),
      maxBundleEntries: r.int('FHIR_MAX_BUNDLE_ENTRIES', 1000, 1, 100_000),
      writeAudit: r.oneOf('BENCH_WRITE_AUDIT', ['in-transaction', 'after-commit'] as const, 'in-transaction'),
    },
    auth: {
      tokenSigningKey: r.optionalString('TOKEN_SIGNING_KEY'),
      accessTokenTtlSeconds: r.int('ACCESS_TOKEN_TTL_SECONDS', 300, 30, 300),
      clockToleranceSeconds: r.int('CLOCK_TOLERANCE_SECONDS', 30, 0, 120),
      adminToken: r.optionalString('ADMIN_TOKEN'),
      rateLimit: {
        limit: r.int('RATE_LIMIT', 600, 1, 1_000_000),
        perIp: r.int('RATE_LIMIT_PER_IP', 6000, 1, 10_000_000),
        windowSeconds: r.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600),
      },
    },
    consent: readConsent(r),
    sync: readSync(r, redisUrl),
    auditCheckpoints: readAuditCheckpoints(r),
    redisUrl,
    redisKeyPrefix: r.string('REDIS_KEY_PREFIX', 'passerelle:'),
    migrations: r.oneOf('MIGRATIONS', ['auto', 'manual'] as const, 'auto'),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
    auditStallMs: r.int('AUDIT_STALL_SECONDS', 30, 1, 3600) * 1000,
    oidc: readOidc(r),
    mailroom: readMailroom(r, database),
  };
  const adminTokenProblem = config.auth.adminToken && operatorCredentialProblem(config.auth.adminToken);
  if (adminTokenProblem) r.problems.push(`ADMIN_TOKEN ${adminTokenProblem}`);
  if (config.auth.tokenSigningKey !== undefined && !config.auth.tokenSigningKey.includes('PRIVATE KEY')) {
    r.problems.push('TOKEN_SIGNING_KEY must be a PEM private key');
  }
  if (config.fhir.defaultPageSize > config.fhir.maxPageSize) {
    r.problems.push('FHIR_DEFAULT_PAGE_SIZE must not exceed FHIR_MAX_PAGE_SIZE');
  }
  r.done();
  return config;
}
