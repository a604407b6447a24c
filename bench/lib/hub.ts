import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { NODE_FLAGS } from '@passerelle/config';
import { newAdminToken, newCheckpointKey, registerBenchAgency, type TokenSource } from './auth';
import { onCleanup } from './cleanup';
import { type Child, freePort, ROOT, spawnNode, waitForHttp } from './processes';

const HUB_MAIN = resolve(ROOT, 'dist/apps/hub/src/main.js');
const EXIT_ON_SIGNAL = resolve(__dirname, 'exit-on-signal.js');

/** The hub's configuration variables: never inherited from the caller's shell, so runs compare. */
const HUB_VARIABLES = (
  'PORT HOST DATABASE_URL DATABASE_POOL_SIZE DATA_DIR PUBLIC_BASE_URL BODY_LIMIT_BYTES FHIR_MAX_JSON_DEPTH ' +
  'FHIR_DEFAULT_PAGE_SIZE FHIR_MAX_PAGE_SIZE TOKEN_SIGNING_KEY ACCESS_TOKEN_TTL_SECONDS CLOCK_TOLERANCE_SECONDS ' +
  'ADMIN_TOKEN RATE_LIMIT RATE_LIMIT_PER_IP RATE_LIMIT_WINDOW_SECONDS REDIS_URL REDIS_KEY_PREFIX MIGRATIONS LOG_LEVEL ' +
  'AUDIT_CHECKPOINT_KEY AUDIT_CHECKPOINT_DIR'
).split(' ');

/**
 * The per-agency rate limit, lifted: a benchmark is one agency sending far more than the
 * production default (600/min). The limiter still runs, with the shortest window (1 s).
 */
const RATE_LIMIT_ENV = {
  RATE_LIMIT: '1000000',
  // Every simulated client calls from 127.0.0.1: the limit per address is lifted as well.
  RATE_LIMIT_PER_IP: '10000000',
  RATE_LIMIT_WINDOW_SECONDS: '1',
};

export interface HubOptions {
  databaseUrl: string;
  profileDir?: string;
  /** Rate-limit counters in this Redis (as a multi-instance deployment does); else in process. */
  redisUrl?: string;
  /** Modules the hub process loads first (`node -r`), e.g. bench/lib/guard-off for bench/auth. */
  preload?: string | readonly string[];
  /** Node's flags for the hub; default NODE_FLAGS.hub, as npm start and docker/compose.yaml run it. */
  nodeFlags?: readonly string[];
  /** More environment for the hub (a preload's settings); the hub's own variables are set here. */
  env?: Record<string, string>;
}

export interface Hub extends Child {
  url: string;
  fhir: string;
  /** How the hub was run, for the report. */
  settings: Record<string, string>;
  /** Access tokens of the agency registered for the benchmark. */
  tokens: TokenSource;
  /** The admin credential, to register more agencies. */
  adminToken: string;
}

/**
 * The built hub (`dist/apps/hub/src/main.js`) as a child process on a free port, on `databaseUrl`.
 * With `profileDir`, it runs under --cpu-prof; a preload makes SIGTERM a normal exit so the
 * profile is written (Nest re-raises the signal otherwise, and a killed process writes none).
 */
export async function startHub(options: HubOptions): Promise<Hub> {
  const port = await freePort();
  const nodeFlags = options.nodeFlags ?? NODE_FLAGS.hub;
  const nodeArgs = [
    ...nodeFlags,
    ...(options.profileDir ? ['--cpu-prof', '--cpu-prof-dir', options.profileDir, '-r', EXIT_ON_SIGNAL] : []),
    ...[options.preload ?? []].flat().flatMap((module) => ['-r', module]),
  ];
  const adminToken = newAdminToken();
  const checkpoints = mkdtempSync(join(tmpdir(), 'passerelle-bench-checkpoints-'));
  onCleanup(() => rmSync(checkpoints, { recursive: true, force: true }));
  const redis: Record<string, string> = options.redisUrl
    ? { REDIS_URL: options.redisUrl, REDIS_KEY_PREFIX: `passerelle-bench-${randomBytes(4).toString('hex')}:` }
    : {};
  const env = { ...options.env, ...RATE_LIMIT_ENV, ...redis, LOG_LEVEL: 'error' };
  const started = spawnNode(
    [...nodeArgs, HUB_MAIN],
    {
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATABASE_URL: options.databaseUrl,
      ADMIN_TOKEN: adminToken,
      AUDIT_CHECKPOINT_KEY: newCheckpointKey(),
      AUDIT_CHECKPOINT_DIR: checkpoints,
    },
    HUB_VARIABLES,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, started.child, started.output);
  const tokens = await registerBenchAgency(url, adminToken);
  return {
    ...started,
    url,
    fhir: `${url}/fhir`,
    tokens,
    adminToken,
    settings: {
      ...RATE_LIMIT_ENV,
      LOG_LEVEL: 'error',
      rateLimitStorage: options.redisUrl ? 'redis' : 'in-process (no REDIS_URL)',
      auth: tokens.auth === 'bearer' ? 'SMART backend services bearer token' : 'none',
      cpuProfile: options.profileDir ? 'on (slower)' : 'off',
      nodeFlags: nodeFlags.join(' ') || 'none',
    },
  };
}

/** Runs `fn`; a failure carries the tail of the hub's output (its log of a 500, say). */
export async function explainFailures<T>(hub: Hub, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new Error(`${message}\n--- hub output (last lines) ---\n${hub.output()}`, { cause: e });
  }
}

/** `--redis`: the Redis of BENCH_REDIS_URL, else the local one CI starts. */
export function redisUrlFromArgs(): string | undefined {
  if (!process.argv.includes('--redis')) return undefined;
  return process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
}
