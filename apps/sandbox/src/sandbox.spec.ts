import { startSandbox, type Sandbox } from './sandbox';

describe('startSandbox', () => {
  let sandbox: Sandbox;

  beforeAll(async () => {
    sandbox = await startSandbox({ seedPatients: 3 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('starts the hospital, the GP practice and the specialist clinic, each on its own port', () => {
    expect(sandbox.agencies.map((a) => [a.id, a.kind])).toEqual([
      ['hospital', 'hospital'],
      ['gp', 'gp'],
      ['specialist', 'specialist'],
    ]);
    const ports = new Set(sandbox.agencies.map((a) => new URL(a.baseUrl).port));
    expect(ports.size).toBe(3);
  });

  it('seeds each agency with the patients it knows', () => {
    expect(sandbox.agency('gp').seeded.patients).toBe(3);
    expect(sandbox.agency('hospital').seeded.patients).toBe(2);
    expect(sandbox.agency('specialist').seeded.patients).toBe(1);
  });

  it('answers FHIR searches over HTTP', async () => {
    const response = await fetch(`${sandbox.agency('gp').baseUrl}/Patient`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    const bundle = (await response.json()) as { resourceType: string; total: number };
    expect(bundle).toMatchObject({ resourceType: 'Bundle', total: 3 });
  });
});
