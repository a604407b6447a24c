import { resolve } from 'node:path';
import { type Env, EnvReader } from './env';
import { LOG_LEVEL_NAMES, type LogLevelName } from './startup';

/** Where resources are stored: a PostgreSQL server, or PGlite embedded in the process. */
export type DatabaseConfig =
  | { kind: 'postgres'; /** secret: may carry a password */ url: string; poolSize: number }
  | { kind: 'pglite'; dataDir: string };

export interface HttpConfig {
  host: string;
  port: number;
  /** Base URL clients see, used in Location headers and Bundle links. */
  publicBaseUrl: string;
  bodyLimitBytes: number;
}

export interface FhirApiConfig {
  maxJsonDepth: number;
  defaultPageSize: number;
  maxPageSize: number;
}

export interface HubConfig {
  http: HttpConfig;
  database: DatabaseConfig;
  fhir: FhirApiConfig;
  /** Run pending migrations at start-up (`auto`, the default), or leave them to `npm run migration:run`. */
  migrations: 'auto' | 'manual';
  logLevel: LogLevelName;
}

export const HUB_CONFIG = Symbol('HUB_CONFIG');

/** Reads and validates the hub's configuration; throws ConfigError listing every problem. */
export function loadHubConfig(env: Env = process.env): HubConfig {
  const r = new EnvReader(env);
  const port = r.int('PORT', 8080, 0, 65535);
  const host = r.string('HOST', '127.0.0.1');
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const database: DatabaseConfig = databaseUrl
    ? { kind: 'postgres', url: databaseUrl, poolSize: r.int('DATABASE_POOL_SIZE', 10, 1, 200) }
    : { kind: 'pglite', dataDir: resolve(r.string('DATA_DIR', './data')) };
  const publicUrl = r.url('PUBLIC_BASE_URL', ['http:', 'https:']);
  const displayHost = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  const config: HubConfig = {
    http: {
      host,
      port,
      publicBaseUrl: (publicUrl ?? `http://${displayHost}:${port}`).replace(/\/+$/, ''),
      bodyLimitBytes: r.int('BODY_LIMIT_BYTES', 10 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    },
    database,
    fhir: {
      maxJsonDepth: r.int('FHIR_MAX_JSON_DEPTH', 48, 8, 512),
      defaultPageSize: r.int('FHIR_DEFAULT_PAGE_SIZE', 20, 1, 1000),
      maxPageSize: r.int('FHIR_MAX_PAGE_SIZE', 500, 1, 5000),
    },
    migrations: r.oneOf('MIGRATIONS', ['auto', 'manual'] as const, 'auto'),
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
  };
  if (config.fhir.defaultPageSize > config.fhir.maxPageSize) {
    r.problems.push('FHIR_DEFAULT_PAGE_SIZE must not exceed FHIR_MAX_PAGE_SIZE');
  }
  r.done();
  return config;
}
