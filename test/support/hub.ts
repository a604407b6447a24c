import { createServer } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HubConfig, loadHubConfig } from '@passerelle/config';
import { createHubApp } from '../../apps/hub/src/hub-app';
import { createTestDatabase, type StoreKind, type TestDatabase } from './databases';

export interface TestHub {
  app: NestFastifyApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  fhir: string;
  config: HubConfig;
  close(): Promise<void>;
}

/** A real hub listening on an ephemeral port, on its own fresh database. */
export async function startTestHub(kind: StoreKind, env: Record<string, string> = {}): Promise<TestHub> {
  const db: TestDatabase = await createTestDatabase(kind);
  const port = await freePort();
  const config: HubConfig = {
    ...loadHubConfig({ PORT: String(port), LOG_LEVEL: 'error', ...env }),
    database: db.config,
  };
  const app = await createHubApp(config, { logger: ['fatal'] });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    fhir: `${url}/fhir`,
    config,
    close: async () => {
      await app.close();
      await db.drop();
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
