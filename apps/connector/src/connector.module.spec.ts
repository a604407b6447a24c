import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { type ConnectorKind, loadConnectorConfig } from './connector-config';
import { ConnectorModule } from './connector.module';

async function startConnector(kind: ConnectorKind): Promise<NestFastifyApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [ConnectorModule.forRoot(loadConnectorConfig({ CONNECTOR_KIND: kind }))],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}

describe('ConnectorModule', () => {
  it.each(['hospital', 'gp', 'specialist'] as const)(
    'answers GET /health as a %s connector',
    async (kind) => {
      const app = await startConnector(kind);
      try {
        const res = await app.inject({ method: 'GET', url: '/health' });
        expect(res.statusCode).toBe(200);
        expect(res.json()).toEqual({ status: 'ok', service: 'connector', kind });
      } finally {
        await app.close();
      }
    },
  );
});
