import { type Env, EnvReader, LOG_LEVEL_NAMES, type LogLevelName } from '@passerelle/config';

/** The worker's configuration. Only what the skeleton uses: its health endpoint and logging. */
export interface WorkerConfig {
  http: { host: string; port: number };
  logLevel: LogLevelName;
}

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');

/** Reads and validates the worker's environment; throws ConfigError listing every problem. */
export function loadWorkerConfig(env: Env = process.env): WorkerConfig {
  const r = new EnvReader(env);
  const config: WorkerConfig = {
    http: {
      host: r.string('HOST', '127.0.0.1'),
      // 0 lets the OS choose a free port (tests).
      port: r.int('WORKER_PORT', 8081, 0, 65535),
    },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
  };
  r.done();
  return config;
}
