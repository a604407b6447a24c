import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LogLevel } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HubConfig, loadHubConfig, loadMailroomConfig } from '@passerelle/config';
import { createHubApp } from '../../apps/hub/src/hub-app';
import { TEST_CHECKPOINT_KEY } from './checkpoint-key';
import { createTestDatabase, type StoreKind, type TestDatabase } from './databases';
import { createHubDatabase } from './hub-databases';

/** The operator credential every test hub is started with. */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export interface TestHub {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  fhir: string;
  config: HubConfig;
  database: TestDatabase;
  /** Stops the hub; drops its database unless it was handed in (to restart on it). */
  close(): Promise<void>;
}

export interface TestHubOptions {
  env?: Record<string, string>;
  /** Reuse a database (e.g. to restart a hub on the same data); the caller drops it. */
  database?: TestDatabase;
  /** Reuse a port (a restarted hub keeps its URLs, and so its token audience). */
  port?: number;
  /** Nest's log levels (default: fatal only), for tests about what the hub logs. */
  logger?: LogLevel[];
  /** Where the hub's JSON log lines go (default: standard output, written by file descriptor). */
  logDestination?: { write(line: string): void };
}

/** A real hub listening on an ephemeral port, on its own fresh database (see createHubDatabase). */
export async function startTestHub(kind: StoreKind, options: TestHubOptions = {}): Promise<TestHub> {
  // Its migrations already run, unless the test leaves them to an operator (MIGRATIONS=manual).
  const migrates = (options.env?.MIGRATIONS ?? 'auto') === 'auto';
  const database =
    options.database ?? (migrates ? await createHubDatabase(kind) : await createTestDatabase(kind));
  const port = options.port ?? (await freePort());
  // Checkpoints in a directory of the hub's own, not DATA_DIR's default (the working directory).
  const checkpoints = mkdtempSync(join(tmpdir(), 'passerelle-test-checkpoints-'));
  const env = {
    PORT: String(port),
    LOG_LEVEL: 'error',
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
    AUDIT_CHECKPOINT_DIR: checkpoints,
    // Every test agency calls from 127.0.0.1, which a deployment's agencies never share: the limit
    // per client address is lifted (tests of that limit set their own).
    RATE_LIMIT_PER_IP: '1000000',
    ...options.env,
  };
  // The test's own database: the mailroom's default print-run directory follows it.
  const config: HubConfig = {
    ...loadHubConfig(env),
    database: database.config,
    mailroom: loadMailroomConfig(env, database.config),
  };
  const app = await createHubApp(config, {
    logger: options.logger ?? ['fatal'],
    ...(options.logDestination && { logDestination: options.logDestination }),
  });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    fhir: `${url}/fhir`,
    config,
    database,
    close: async () => {
      await app.close();
      rmSync(checkpoints, { recursive: true, force: true });
      if (!options.database) await database.drop();
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
