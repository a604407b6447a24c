import { ConfigError } from '@passerelle/config';
import { loadConnectorConfig } from './connector-config';

/** Runs the loader and returns the ConfigError it throws, so tests can read every problem. */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConnectorConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConnectorConfig', () => {
  it('reads the kind and defaults to 127.0.0.1:8082', () => {
    expect(loadConnectorConfig({ CONNECTOR_KIND: 'gp' })).toEqual({
      kind: 'gp',
      http: { host: '127.0.0.1', port: 8082 },
      logLevel: 'log',
    });
  });

  it('reads HOST and CONNECTOR_PORT', () => {
    const config = loadConnectorConfig({
      CONNECTOR_KIND: 'hospital',
      HOST: '0.0.0.0',
      CONNECTOR_PORT: '9003',
    });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9003 });
  });

  it('refuses to start without a kind', () => {
    expect(configErrorFor({}).problems).toEqual([
      'CONNECTOR_KIND is required: one of hospital, gp, specialist',
    ]);
  });

  it.each(['pharmacy', 'Hospital', ' gp'])('refuses the kind "%s"', (kind) => {
    expect(configErrorFor({ CONNECTOR_KIND: kind }).problems).toEqual([
      `CONNECTOR_KIND must be one of hospital, gp, specialist (got "${kind}")`,
    ]);
  });

  it('lists every problem at once', () => {
    const { problems } = configErrorFor({ CONNECTOR_KIND: 'lab', CONNECTOR_PORT: '70000' });
    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/CONNECTOR_KIND[\s\S]*CONNECTOR_PORT/);
  });
});
