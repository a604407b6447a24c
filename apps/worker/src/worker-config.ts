import {
  type ConsentConfig,
  type DatabaseConfig,
  type Env,
  EnvReader,
  LOG_LEVEL_NAMES,
  type LogLevelName,
  type MailroomConfig,
  readConsent,
  readDatabase,
  readMailroom,
  readSync,
  type SyncConfig,
} from '@passerelle/config';

/** The worker's configuration: the hub's database, Redis for the queues, the consent policy. */
export interface WorkerConfig {
  http: { host: string; port: number };
  /** PostgreSQL only: the embedded PGlite belongs to the hub's process, which then runs the worker itself. */
  database: Extract<DatabaseConfig, { kind: 'postgres' }>;
  /** secret: may carry a password. */
  redisUrl: string;
  redisKeyPrefix: string;
  consent: ConsentConfig;
  sync: Pick<
    SyncConfig,
    'pollIntervalMs' | 'concurrency' | 'routeBatchSize' | 'rescanIntervalMs' | 'stalled' | 'routingRulesFile'
  >;
  /** Letters and print runs (MAILROOM_*, LETTER_SENDER_*): MAILROOM_DIR is shared with the hub, which serves the files. */
  mailroom: MailroomConfig;
  logLevel: LogLevelName;
}

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

/** Reads and validates the worker's environment; throws ConfigError listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const r = new EnvReader(env);
  const database = readDatabase(r);
  const redisUrl = r.url('REDIS_URL', ['redis:', 'rediss:']);
  const { pollIntervalMs, concurrency, routeBatchSize, rescanIntervalMs, stalled, routingRulesFile } =
    readSync(r, redisUrl);
  const config = {
    http: {
      host: r.string('HOST', '127.0.0.1'),
      // 0 lets the OS choose a free port (tests).
      port: r.int('WORKER_PORT', 8081, 0, 65535),
    },
    redisKeyPrefix: r.string('REDIS_KEY_PREFIX', 'passerelle:'),
    consent: readConsent(r),
    sync: {
      pollIntervalMs,
      concurrency,
      routeBatchSize,
      rescanIntervalMs,
      stalled,
      ...(routingRulesFile !== undefined ? { routingRulesFile } : {}),
    },
    mailroom: readMailroom(r),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
  };
  if (database.kind !== 'postgres')
    r.problems.push(
      'DATABASE_URL is required: on the embedded default (no DATABASE_URL) the hub runs the worker in its own process',
    );
  if (!redisUrl) r.problems.push('REDIS_URL is required: the worker takes its jobs from BullMQ');
  r.done();
  return { ...config, database: database as WorkerConfig['database'], redisUrl: redisUrl ?? '' };
}
