import { ConfigError } from '@passerelle/config';
import { loadSandboxConfig } from './sandbox-config';

describe('loadSandboxConfig', () => {
  it('defaults to 127.0.0.1:8090', () => {
    expect(loadSandboxConfig({})).toEqual({ http: { host: '127.0.0.1', port: 8090 }, logLevel: 'log' });
  });

  it('reads HOST and SANDBOX_PORT', () => {
    expect(loadSandboxConfig({ HOST: '0.0.0.0', SANDBOX_PORT: '9002' }).http).toEqual({
      host: '0.0.0.0',
      port: 9002,
    });
  });

  it('refuses a bad port, naming the variable', () => {
    expect(() => loadSandboxConfig({ SANDBOX_PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadSandboxConfig({ SANDBOX_PORT: 'eighty' })).toThrow(/SANDBOX_PORT/);
  });
});
