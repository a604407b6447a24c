import { ConfigError } from './env';
import { DEFAULT_PGLITE_MEMORY, loadHubConfig } from './hub-config';

describe('loadHubConfig', () => {
  it('defaults to embedded PGlite in ./data on 127.0.0.1:8080', () => {
    const config = loadHubConfig({});
    expect(config.database).toEqual({
      kind: 'pglite',
      dataDir: expect.stringMatching(/\/data$/) as string,
      memory: DEFAULT_PGLITE_MEMORY,
    });
    expect(config.http).toMatchObject({
      host: '127.0.0.1',
      port: 8080,
      publicBaseUrl: 'http://127.0.0.1:8080',
    });
    expect(config.migrations).toBe('auto');
  });

  it('uses PostgreSQL when DATABASE_URL is set, and honours PORT, DATA_DIR and PUBLIC_BASE_URL', () => {
    const config = loadHubConfig({
      DATABASE_URL: 'postgres://u:secret@db:5432/hub',
      PORT: '9000',
      PUBLIC_BASE_URL: 'https://hub.example.org/',
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:secret@db:5432/hub',
      poolSize: 10,
    });
    expect(config.http.port).toBe(9000);
    expect(config.http.publicBaseUrl).toBe('https://hub.example.org');
    expect(loadHubConfig({ DATA_DIR: '/var/lib/passerelle' }).database).toEqual({
      kind: 'pglite',
      dataDir: '/var/lib/passerelle',
      memory: DEFAULT_PGLITE_MEMORY,
    });
  });

  it("sizes the embedded PostgreSQL's memory (PGLITE_*) and the consent parse cache", () => {
    const config = loadHubConfig({
      PGLITE_SHARED_BUFFERS: '16MB',
      PGLITE_WORK_MEM: '1024kB',
      PGLITE_MAINTENANCE_WORK_MEM: '1GB',
    });
    expect(config.database).toMatchObject({
      memory: { sharedBuffers: '16MB', workMem: '1024kB', maintenanceWorkMem: '1GB' },
    });
    expect(() => loadHubConfig({ PGLITE_SHARED_BUFFERS: '16 MB' })).toThrow(/PGLITE_SHARED_BUFFERS/);
    expect(() => loadHubConfig({ PGLITE_WORK_MEM: '-1MB' })).toThrow(/PGLITE_WORK_MEM/);
    expect(loadHubConfig({}).consent.parseCacheSize).toBe(5_000);
    expect(loadHubConfig({ CONSENT_PARSE_CACHE_SIZE: '100' }).consent.parseCacheSize).toBe(100);
  });

  it('names the routing rules file by its absolute path, the default rules when unset', () => {
    expect(loadHubConfig({ SYNC_ROUTING_RULES: '/etc/passerelle/routing.json' }).sync.routingRulesFile).toBe(
      '/etc/passerelle/routing.json',
    );
    expect(loadHubConfig({}).sync.routingRulesFile).toBeUndefined();
  });

  it('lists every problem at once and never echoes a database URL', () => {
    try {
      loadHubConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://u:secret@db/x',
        LOG_LEVEL: 'loud',
        FHIR_DEFAULT_PAGE_SIZE: '900',
        FHIR_MAX_PAGE_SIZE: '10',
      });
      throw new Error('expected a ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const { problems, message } = e as ConfigError;
      expect(problems).toHaveLength(4);
      expect(message).toContain('PORT');
      expect(message).toContain('LOG_LEVEL');
      expect(message).not.toContain('secret');
    }
  });

  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadHubConfig(env);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  it('refuses a short or blank operator credential without repeating it', () => {
    for (const token of ['short-secret', ' '.repeat(40), `${'a'.repeat(20)} ${'b'.repeat(20)}`]) {
      const problems = problemsOf({ ADMIN_TOKEN: token });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^ADMIN_TOKEN must be/);
      if (token.trim()) expect(problems[0]).not.toContain(token.trim());
    }
    expect(problemsOf({ ADMIN_TOKEN: 'x'.repeat(31) })[0]).toContain('at least 32 characters (it has 31)');
    expect(loadHubConfig({ ADMIN_TOKEN: 'x'.repeat(32) }).auth.adminToken).toBe('x'.repeat(32));
  });

  it('trusts no proxy by default, and the listed addresses, ranges and named ranges when set', () => {
    expect(loadHubConfig({}).http.trustProxy).toEqual([]);
    expect(loadHubConfig({}).auth.rateLimit).toEqual({ limit: 600, perIp: 6000, windowSeconds: 60 });
    expect(
      loadHubConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,fd00::/8,loopback', RATE_LIMIT_PER_IP: '50' }),
    ).toMatchObject({
      http: { trustProxy: ['10.0.0.0/8', '127.0.0.1', 'fd00::/8', 'loopback'] },
      auth: { rateLimit: { perIp: 50 } },
    });
  });

  it('refuses a TRUST_PROXY that would let any client choose its own address', () => {
    for (const value of ['true', '*', '2', '10.0.0.0/33', 'proxy.internal', ',']) {
      const problems = problemsOf({ TRUST_PROXY: value });
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^TRUST_PROXY must list/);
    }
  });
});
