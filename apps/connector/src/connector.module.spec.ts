import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type ConnectorKind, loadConnectorConfig } from './connector-config';
import { ConnectorModule } from './connector.module';
import type { ConnectorHealth } from './health.controller';

const dir = mkdtempSync(join(tmpdir(), 'connector-module-'));
const keyFile = join(dir, 'key.pem');
writeFileSync(
  keyFile,
  generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }),
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A connector whose loop is not started: nothing is contacted, the health endpoint answers. */
async function startConnector(kind: ConnectorKind): Promise<NestFastifyApplication> {
  const config = loadConnectorConfig({
    CONNECTOR_KIND: kind,
    AGENCY_FHIR_URL: 'http://127.0.0.1:9/fhir',
    HUB_URL: 'http://127.0.0.1:9',
    CLIENT_ID: `test-${kind}`,
    PRIVATE_KEY_FILE: keyFile,
    // One data directory for the three: the migrations run once.
    DATA_DIR: join(dir, 'data'),
  });
  const moduleRef = await Test.createTestingModule({
    imports: [ConnectorModule.forRoot(config, { autoStart: false })],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('ConnectorModule', () => {
  it.each(['hospital', 'gp', 'specialist'] as const)(
    'answers GET /health as a %s connector, with its sync times',
    async (kind) => {
      const app = await startConnector(kind);
      try {
        const res = await app.inject({ method: 'GET', url: '/health' });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({
          status: 'ok',
          service: 'connector',
          kind,
          agency: `test-${kind}`,
          sync: {
            running: false,
            lastPullAt: null,
            lastApplyAt: null,
            lastError: null,
            totals: {
              pushed: 0,
              pushRejected: 0,
              pushSkipped: 0,
              withdrawn: 0,
              applied: 0,
              applyUnchanged: 0,
              applyRejected: 0,
              applySkipped: 0,
              applyWithdrawn: 0,
            },
          },
          memory: expect.objectContaining({
            rss: expect.any(Number),
            heapUsed: expect.any(Number),
            fullGcs: expect.any(Number),
          }) as unknown,
        });
        const { memory } = res.json<ConnectorHealth>();
        expect(memory.heapUsed).toBeLessThanOrEqual(memory.heapTotal);
        expect(memory.heapUsed).toBeLessThan(memory.rss);
      } finally {
        await app.close();
      }
    },
  );
});
