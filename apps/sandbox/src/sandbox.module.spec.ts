import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { defaultAgencies } from '@passerelle/synthetic';
import type { SandboxHealth } from './health.controller';
import { loadSandboxConfig } from './sandbox-config';
import { SandboxModule } from './sandbox.module';

describe('SandboxModule', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const config = loadSandboxConfig({
      SANDBOX_AGENCY_PORT: '0',
      SANDBOX_PATIENTS: '2',
      SANDBOX_GP_AUTH: 'bearer',
      SANDBOX_TOKEN: 't',
      SANDBOX_PUBLIC_HOST: 'localhost',
    });
    const moduleRef = await Test.createTestingModule({ imports: [SandboxModule.forRoot(config)] }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers GET /health with where each agency is, never its credentials', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const health = res.json<SandboxHealth>();
    expect(health).toMatchObject({ status: 'ok', service: 'sandbox' });
    expect(health.agencies.map((a) => [a.id, a.auth])).toEqual([
      ['hospital', 'none'],
      ['gp', 'bearer'],
      ['specialist', 'none'],
    ]);
    expect(res.body).not.toContain('"t"');
    expect(health.agencies.every((a) => a.baseUrl.startsWith('http://localhost:'))).toBe(true);
    // Who each agency is, for the demo's launcher to register it at the hub.
    const gp = defaultAgencies('FR').gp.organization;
    expect(health.agencies.find((a) => a.id === 'gp')?.organization).toEqual({
      name: gp.name,
      identifiers: (gp.identifier ?? []).map((i) => ({ system: i.system, value: i.value })),
    });
  });

  it('has the agencies serving FHIR while the application runs', async () => {
    const { agencies } = (await app.inject({ method: 'GET', url: '/health' })).json<SandboxHealth>();
    const response = await fetch(`${agencies[0].baseUrl}/Patient?_summary=count`);
    expect(response.status).toBe(200);
  });
});
