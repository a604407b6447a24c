import { resolve } from 'node:path';
import { ConfigError } from '@passerelle/config';
import { loadWorkerConfig } from './worker-config';

const ENV = { DATABASE_URL: 'postgres://db.internal/passerelle', REDIS_URL: 'redis://redis.internal:6379' };

describe('loadWorkerConfig', () => {
  it('reads the database, Redis and the defaults', () => {
    const config = loadWorkerConfig(ENV);
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8081 });
    expect(config.database).toEqual({ kind: 'postgres', url: ENV.DATABASE_URL, poolSize: 10 });
    expect(config.redisUrl).toBe(ENV.REDIS_URL);
    expect(config.consent).toEqual({ model: 'implied', breakGlass: 'allowed', parseCacheSize: 5_000 });
    expect(config.sync).toEqual({
      pollIntervalMs: 200,
      concurrency: 4,
      routeBatchSize: 100,
      rescanIntervalMs: 30_000,
      stalled: { lockDurationMs: 30_000, stalledIntervalMs: 30_000, maxStalledCount: 1 },
    });
  });

  it('names the routing rules file by its absolute path (read and checked when the worker starts)', () => {
    expect(
      loadWorkerConfig({ ...ENV, SYNC_ROUTING_RULES: 'deploy/routing.json' }).sync.routingRulesFile,
    ).toBe(resolve('deploy/routing.json'));
    expect(loadWorkerConfig(ENV).sync.routingRulesFile).toBeUndefined();
  });

  it('reads HOST and WORKER_PORT', () => {
    expect(loadWorkerConfig({ ...ENV, HOST: '0.0.0.0', WORKER_PORT: '9001' }).http).toEqual({
      host: '0.0.0.0',
      port: 9001,
    });
  });

  it('refuses to start without PostgreSQL or Redis, saying why', () => {
    expect(() => loadWorkerConfig({ REDIS_URL: ENV.REDIS_URL })).toThrow(/DATABASE_URL is required/);
    expect(() => loadWorkerConfig({ DATABASE_URL: ENV.DATABASE_URL })).toThrow(/REDIS_URL is required/);
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadWorkerConfig({ ...ENV, WORKER_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ ...ENV, WORKER_PORT: 'eighty' })).toThrow(/WORKER_PORT/);
  });
});
