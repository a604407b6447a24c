import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import {
  checkAssertionClaims,
  CLIENT_ASSERTION_TYPE,
  jwkThumbprint,
  readAssertion,
  verifySignature,
  type PublicJwk,
} from '@passerelle/identity';
import type { HubClientConfig } from '../connector-config';
import { HubAuthError, HubTokenProvider, type PostForm } from './hub-token';

function clientConfig(type: 'ec' | 'rsa'): { config: HubClientConfig; jwk: PublicJwk } {
  const { privateKey, publicKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = jwkThumbprint(publicKey);
  return {
    config: {
      url: 'https://hub.example',
      clientId: 'chu',
      key: { privateKey, kid, alg: type === 'ec' ? 'ES384' : 'RS384' },
      scope: 'system/Patient.cu',
      purposeOfUse: 'TREAT',
    },
    jwk: { ...(createPublicKey(privateKey).export({ format: 'jwk' }) as Omit<PublicJwk, 'kid'>), kid },
  };
}

/** A token endpoint stand-in: records each form, answers tokens numbered in order. */
function tokenEndpoint(answer?: (n: number) => { status: number; body: unknown }) {
  const forms: URLSearchParams[] = [];
  const post: PostForm = (url, form) => {
    expect(url).toBe('https://hub.example/auth/token');
    forms.push(form);
    const n = forms.length;
    return Promise.resolve(
      answer?.(n) ?? {
        status: 200,
        body: { access_token: `token-${n}`, token_type: 'bearer', expires_in: 300, scope: 'x' },
      },
    );
  };
  return { forms, post };
}

describe('HubTokenProvider', () => {
  it.each(['ec', 'rsa'] as const)('signs a %s client assertion the hub accepts', async (type) => {
    const { config, jwk } = clientConfig(type);
    const endpoint = tokenEndpoint();
    const now = Date.parse('2026-03-01T10:00:00Z');
    await new HubTokenProvider(config, { post: endpoint.post, now: () => now }).token();
    const form = endpoint.forms[0];
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'system/Patient.cu',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: expect.any(String),
      purpose_of_use: 'TREAT',
    });
    // The hub's own checks: allowlisted algorithm and kid in the header, signature, claims.
    const assertion = form.get('client_assertion')!;
    expect(readAssertion(assertion)).toEqual({ alg: config.key.alg, kid: config.key.kid, clientId: 'chu' });
    const claims = verifySignature(assertion, jwk, 'chu');
    expect(() =>
      checkAssertionClaims(claims, {
        clientId: 'chu',
        tokenUrl: 'https://hub.example/auth/token',
        nowSeconds: now / 1000,
        clockToleranceSeconds: 0,
      }),
    ).not.toThrow();
    expect(claims).toMatchObject({ iss: 'chu', sub: 'chu', aud: 'https://hub.example/auth/token' });
    expect((claims.exp as number) - now / 1000).toBeLessThanOrEqual(300);
  });

  it('uses a fresh jti for every assertion', () => {
    const provider = new HubTokenProvider(clientConfig('ec').config);
    const jti = (a: string) => JSON.parse(Buffer.from(a.split('.')[1], 'base64url').toString()).jti as string;
    expect(jti(provider.assertion())).not.toBe(jti(provider.assertion()));
  });

  it('keeps the token until shortly before it expires, then exchanges a new assertion', async () => {
    const endpoint = tokenEndpoint();
    let now = 1_000_000;
    const provider = new HubTokenProvider(clientConfig('ec').config, { post: endpoint.post, now: () => now });
    expect(await provider.token()).toBe('token-1');
    now += 200_000;
    expect(await provider.token()).toBe('token-1');
    // 300 s lifetime, renewed 30 s early.
    now += 71_000;
    expect(await provider.token()).toBe('token-2');
    expect(endpoint.forms).toHaveLength(2);
  });

  it('shares one exchange between callers waiting together', async () => {
    const endpoint = tokenEndpoint();
    const provider = new HubTokenProvider(clientConfig('ec').config, { post: endpoint.post });
    const tokens = await Promise.all([provider.token(), provider.token(), provider.token()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(provider.exchanges).toBe(1);
  });

  it('forgets a token the hub refused, once', async () => {
    const endpoint = tokenEndpoint();
    const provider = new HubTokenProvider(clientConfig('ec').config, { post: endpoint.post });
    const first = await provider.token();
    provider.invalidate('some-older-token');
    expect(await provider.token()).toBe(first);
    provider.invalidate(first);
    expect(await provider.token()).toBe('token-2');
  });

  it('reports a refusal as HubAuthError, and a server fault as a passing one', async () => {
    const refused = tokenEndpoint(() => ({ status: 401, body: { error: 'invalid_client' } }));
    const provider = new HubTokenProvider(clientConfig('ec').config, { post: refused.post });
    await expect(provider.token()).rejects.toEqual(new HubAuthError(401, 'invalid_client'));
    const down = tokenEndpoint(() => ({ status: 503, body: 'busy' }));
    const error = await new HubTokenProvider(clientConfig('ec').config, { post: down.post })
      .token()
      .catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(HubAuthError);
    expect(error).toMatchObject({ response: { status: 503 } });
  });
});
