import { type Env, EnvReader, LOG_LEVEL_NAMES, type LogLevelName } from '@passerelle/config';

/** The sandbox's configuration. Only what the skeleton uses: its health endpoint and logging. */
export interface SandboxConfig {
  http: { host: string; port: number };
  logLevel: LogLevelName;
}

export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');

/** Reads and validates the sandbox's environment; throws ConfigError listing every problem. */
export function loadSandboxConfig(env: Env = process.env): SandboxConfig {
  const r = new EnvReader(env);
  const config: SandboxConfig = {
    http: {
      host: r.string('HOST', '127.0.0.1'),
      // 0 lets the OS choose a free port (tests).
      port: r.int('SANDBOX_PORT', 8090, 0, 65535),
    },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
  };
  r.done();
  return config;
}
