import { loadHubConfig } from './hub-config';

describe('OpenID Connect configuration', () => {
  it('is off unless OIDC_ISSUER is set', () => {
    expect(loadHubConfig({}).oidc).toBeUndefined();
  });

  it('reads the provider and the client', () => {
    const config = loadHubConfig({
      OIDC_ISSUER: 'https://auth.example/realms/x/',
      OIDC_CLIENT_ID: 'hub',
      OIDC_CLIENT_SECRET: 's3cret',
      OIDC_LABEL: 'Pro Santé Connect',
    });
    expect(config.oidc).toEqual({
      issuer: 'https://auth.example/realms/x',
      clientId: 'hub',
      clientSecret: 's3cret',
      label: 'Pro Santé Connect',
    });
  });

  it('names every problem, never the secret: a missing client, plain http off this machine', () => {
    let message = '';
    try {
      loadHubConfig({ OIDC_ISSUER: 'http://auth.example', OIDC_CLIENT_SECRET: 'do-not-echo' });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('OIDC_ISSUER must use https');
    expect(message).toContain('OIDC_CLIENT_ID is required');
    expect(message).not.toContain('do-not-echo');
    expect(
      loadHubConfig({ OIDC_ISSUER: 'http://127.0.0.1:9000', OIDC_CLIENT_ID: 'a', OIDC_CLIENT_SECRET: 'b' })
        .oidc?.issuer,
    ).toBe('http://127.0.0.1:9000');
  });
});
