import { ConfigError } from './env';
import { loadHubConfig } from './hub-config';

describe('loadHubConfig', () => {
  it('defaults to embedded PGlite in ./data on 127.0.0.1:8080', () => {
    const config = loadHubConfig({});
    expect(config.database).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\/data$/) as string });
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
    });
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
});
