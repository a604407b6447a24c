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
import { HubTokenProvider } from '../hub/hub-token';
import {
  BackendServicesClient,
  type BackendServicesConfig,
  type PostForm,
  TokenRefusedError,
} from './backend-services';
import type { ClientKey } from './client-key';
import { type GetJson, SmartDiscoveryError } from './smart-discovery';

const TOKEN_URL = 'https://auth.ehr.example/oauth2/token';
const FHIR_BASE = 'https://ehr.example/fhir/R4';

function clientKey(type: 'ec' | 'rsa'): { key: ClientKey; jwk: PublicJwk } {
  const { privateKey, publicKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = jwkThumbprint(publicKey);
  return {
    key: { privateKey, kid, alg: type === 'ec' ? 'ES384' : 'RS384' },
    jwk: { ...(createPublicKey(privateKey).export({ format: 'jwk' }) as Omit<PublicJwk, 'kid'>), kid },
  };
}

function settings(key: ClientKey, more: Partial<BackendServicesConfig> = {}): BackendServicesConfig {
  return {
    server: 'agency server',
    clientId: 'passerelle',
    key,
    scope: 'system/Patient.read',
    discoveryBase: FHIR_BASE,
    ...more,
  };
}

/** A SMART configuration stand-in: records each URL read, answers `document` (or `answer`). */
function discovery(document: unknown = { token_endpoint: TOKEN_URL }, status = 200) {
  const urls: string[] = [];
  const get: GetJson = (url) => {
    urls.push(url);
    return Promise.resolve({ status, body: document });
  };
  return { urls, get };
}

/** A token endpoint stand-in: records each form, answers tokens numbered in order. */
function tokenEndpoint(answer?: (n: number) => { status: number; body: unknown }, expectedUrl = TOKEN_URL) {
  const forms: URLSearchParams[] = [];
  const post: PostForm = (url, form) => {
    expect(url).toBe(expectedUrl);
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

const claimsOf = (assertion: string) =>
  JSON.parse(Buffer.from(assertion.split('.')[1], 'base64url').toString()) as Record<string, unknown>;

describe('BackendServicesClient', () => {
  it.each(['ec', 'rsa'] as const)('signs a %s client assertion the hub verifier accepts', async (type) => {
    const { key, jwk } = clientKey(type);
    const endpoint = tokenEndpoint();
    const now = Date.parse('2026-03-01T10:00:00Z');
    const client = new BackendServicesClient(settings(key), {
      post: endpoint.post,
      get: discovery().get,
      now: () => now,
    });
    await client.token();
    const form = endpoint.forms[0];
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'system/Patient.read',
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: expect.any(String),
    });
    // The hub's own checks: allowlisted algorithm and kid in the header, signature, claims.
    const assertion = form.get('client_assertion')!;
    expect(readAssertion(assertion)).toEqual({ alg: key.alg, kid: key.kid, clientId: 'passerelle' });
    const claims = verifySignature(assertion, jwk, 'passerelle');
    expect(() =>
      checkAssertionClaims(claims, {
        clientId: 'passerelle',
        tokenUrl: TOKEN_URL,
        nowSeconds: now / 1000,
        clockToleranceSeconds: 0,
      }),
    ).not.toThrow();
    expect(claims).toMatchObject({ iss: 'passerelle', sub: 'passerelle', aud: TOKEN_URL });
    expect((claims.exp as number) - now / 1000).toBeLessThanOrEqual(300);
  });

  it('uses a fresh jti for every assertion, and never a lifetime over five minutes', () => {
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      assertionLifetimeSeconds: 3600,
    });
    const [a, b] = [claimsOf(client.assertion(TOKEN_URL)), claimsOf(client.assertion(TOKEN_URL))];
    expect(a.jti).not.toBe(b.jti);
    expect((a.exp as number) - (a.iat as number)).toBe(300);
  });

  it('keeps the token until shortly before it expires, then exchanges a new assertion', async () => {
    const endpoint = tokenEndpoint();
    let now = 1_000_000;
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      post: endpoint.post,
      get: discovery().get,
      now: () => now,
    });
    expect(await client.token()).toBe('token-1');
    now += 200_000;
    expect(await client.token()).toBe('token-1');
    // 300 s lifetime, renewed 30 s early.
    now += 71_000;
    expect(await client.token()).toBe('token-2');
    expect(endpoint.forms).toHaveLength(2);
    // Each exchange with an assertion of its own.
    expect(claimsOf(endpoint.forms[0].get('client_assertion')!).jti).not.toBe(
      claimsOf(endpoint.forms[1].get('client_assertion')!).jti,
    );
  });

  it('renews a short-lived token a fifth of its lifetime early', async () => {
    const endpoint = tokenEndpoint(() => ({ status: 200, body: { access_token: 'short', expires_in: 50 } }));
    let now = 0;
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      post: endpoint.post,
      get: discovery().get,
      now: () => now,
    });
    await client.token();
    now = 39_999;
    await client.token();
    expect(endpoint.forms).toHaveLength(1);
    now = 40_000;
    await client.token();
    expect(endpoint.forms).toHaveLength(2);
  });

  it('shares one discovery and one exchange between callers waiting together', async () => {
    const endpoint = tokenEndpoint();
    const found = discovery();
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      post: endpoint.post,
      get: found.get,
    });
    const tokens = await Promise.all([client.token(), client.token(), client.token()]);
    expect(tokens).toEqual(['token-1', 'token-1', 'token-1']);
    expect(client.exchanges).toBe(1);
    client.invalidate();
    await client.token();
    expect(found.urls).toEqual([`${FHIR_BASE}/.well-known/smart-configuration`]);
  });

  it('forgets a token the server refused, once', async () => {
    const endpoint = tokenEndpoint();
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      post: endpoint.post,
      get: discovery().get,
    });
    const first = await client.token();
    client.invalidate('some-older-token');
    expect(await client.token()).toBe(first);
    client.invalidate(first);
    expect(await client.token()).toBe('token-2');
  });

  it('reports a refusal as TokenRefusedError naming the server, and a server fault as a passing one', async () => {
    const refused = tokenEndpoint(() => ({ status: 401, body: { error: 'invalid_client' } }));
    const client = new BackendServicesClient(
      settings(clientKey('ec').key, { refusalHint: 'is the key registered?' }),
      {
        post: refused.post,
        get: discovery().get,
      },
    );
    const error = await client.token().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRefusedError);
    expect((error as Error).message).toBe(
      'token endpoint refused the connector: 401 invalid_client; is the key registered?',
    );
    const down = tokenEndpoint(() => ({ status: 503, body: 'busy' }));
    const fault = await new BackendServicesClient(settings(clientKey('ec').key), {
      post: down.post,
      get: discovery().get,
    })
      .token()
      .catch((e: unknown) => e);
    expect(fault).not.toBeInstanceOf(TokenRefusedError);
    expect(fault).toMatchObject({ response: { status: 503 } });
  });

  it('uses a configured token URL without discovery', async () => {
    const endpoint = tokenEndpoint(undefined, 'https://elsewhere.example/token');
    const found = discovery();
    const client = new BackendServicesClient(
      settings(clientKey('ec').key, { tokenUrl: 'https://elsewhere.example/token' }),
      {
        post: endpoint.post,
        get: found.get,
      },
    );
    await client.token();
    expect(found.urls).toEqual([]);
    expect(claimsOf(endpoint.forms[0].get('client_assertion')!).aud).toBe('https://elsewhere.example/token');
  });
});

describe('SMART configuration discovery', () => {
  const fails = async (document: unknown, status = 200, type: 'ec' | 'rsa' = 'ec') => {
    const client = new BackendServicesClient(settings(clientKey(type).key), {
      post: tokenEndpoint().post,
      get: discovery(document, status).get,
    });
    return client.token().catch((e: unknown) => e);
  };

  it.each([
    [
      'a server without SMART',
      404,
      'not json',
      /answered 404; does the server support SMART Backend Services\?/,
    ],
    ['no token endpoint', 200, { issuer: 'x' }, /no token_endpoint/],
    ['a relative token endpoint', 200, { token_endpoint: '/token' }, /not an absolute URL/],
    [
      'no private_key_jwt',
      200,
      { token_endpoint: TOKEN_URL, token_endpoint_auth_methods_supported: ['client_secret_basic'] },
      /does not list private_key_jwt/,
    ],
    [
      'another algorithm only',
      200,
      { token_endpoint: TOKEN_URL, token_endpoint_auth_signing_alg_values_supported: ['RS384'] },
      /does not accept ES384 assertions \(it lists RS384\)/,
    ],
  ])('refuses %s with SmartDiscoveryError', async (_name, status, document, message) => {
    const error = await fails(document, status);
    expect(error).toBeInstanceOf(SmartDiscoveryError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(`${FHIR_BASE}/.well-known/smart-configuration`);
  });

  it('treats a server fault as passing, and tries again on the next call', async () => {
    let status = 503;
    const get: GetJson = () => Promise.resolve({ status, body: { token_endpoint: TOKEN_URL } });
    const client = new BackendServicesClient(settings(clientKey('ec').key), {
      post: tokenEndpoint().post,
      get,
    });
    await expect(client.token()).rejects.toMatchObject({ response: { status: 503 } });
    status = 200;
    await expect(client.token()).resolves.toBe('token-1');
  });
});

describe('HubTokenProvider', () => {
  it("discovers the hub's token endpoint and says the purpose of use", async () => {
    const { key } = clientKey('ec');
    const config: HubClientConfig = {
      url: 'https://hub.example',
      clientId: 'chu',
      key,
      scope: 'system/Patient.cu',
      purposeOfUse: 'TREAT',
    };
    const found = discovery({ token_endpoint: 'https://hub.example/oauth/token' });
    const endpoint = tokenEndpoint(undefined, 'https://hub.example/oauth/token');
    await new HubTokenProvider(config, { post: endpoint.post, get: found.get }).token();
    expect(found.urls).toEqual(['https://hub.example/.well-known/smart-configuration']);
    expect(endpoint.forms[0].get('purpose_of_use')).toBe('TREAT');
    expect(claimsOf(endpoint.forms[0].get('client_assertion')!)).toMatchObject({
      iss: 'chu',
      aud: 'https://hub.example/oauth/token',
    });
  });
});
