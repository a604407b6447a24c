import { ConfigError } from '@passerelle/config';
import { loadWorkerConfig } from './worker-config';

describe('loadWorkerConfig', () => {
  it('defaults to 127.0.0.1:8081', () => {
    expect(loadWorkerConfig({})).toEqual({ http: { host: '127.0.0.1', port: 8081 }, logLevel: 'log' });
  });

  it('reads HOST and WORKER_PORT', () => {
    expect(loadWorkerConfig({ HOST: '0.0.0.0', WORKER_PORT: '9001' }).http).toEqual({
      host: '0.0.0.0',
      port: 9001,
    });
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadWorkerConfig({ WORKER_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadWorkerConfig({ WORKER_PORT: 'eighty' })).toThrow(/WORKER_PORT/);
  });
});
