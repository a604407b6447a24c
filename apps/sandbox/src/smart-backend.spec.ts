import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CLIENT_ASSERTION_TYPE, jwkThumbprint, type Jwks } from '@passerelle/identity';
import { type AgencyServer, startAgencyServer } from './agency-server';
import { needsOf } from './smart-backend';

function clientKey(): { privateKey: KeyObject; kid: string; jwks: Jwks } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kid = jwkThumbprint(publicKey);
  const jwk = publicKey.export({ format: 'jwk' }) as { x: string; y: string };
  return {
    privateKey,
    kid,
    jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: jwk.x, y: jwk.y, kid, alg: 'ES384' }] },
  };
}

describe('an agency server with SMART Backend Services', () => {
  const registered = clientKey();
  const stranger = clientKey();
  let clock = Date.now();
  let server: AgencyServer;
  let origin: string;

  const assertion = (claims: Record<string, unknown> = {}, key = registered) => {
    const now = Math.floor(clock / 1000);
    return jwt.sign(
      {
        iss: 'connector',
        sub: 'connector',
        aud: `${origin}/auth/token`,
        jti: randomUUID(),
        exp: now + 120,
        ...claims,
      },
      key.privateKey,
      { algorithm: 'ES384', keyid: key.kid },
    );
  };
  const requestToken = async (clientAssertion: string, scope = 'system/Patient.read') => {
    const res = await fetch(`${origin}/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: clientAssertion,
        scope,
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const fhir = (path: string, token?: string, init: RequestInit = {}) =>
    fetch(`${server.baseUrl}/${path}`, {
      ...init,
      headers: {
        'content-type': 'application/fhir+json',
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      },
    });

  beforeAll(async () => {
    server = await startAgencyServer({
      kind: 'hospital',
      seed: { patients: 2 },
      auth: {
        type: 'smart-backend',
        clients: [{ id: 'connector', jwks: registered.jwks }],
        tokenLifetimeSeconds: 60,
      },
      smart: { now: () => clock },
    });
    origin = server.baseUrl.replace(/\/fhir$/, '');
  });

  afterAll(async () => {
    await server.close();
  });

  it('publishes its token endpoint at the root and under the FHIR base', async () => {
    for (const url of [
      `${origin}/.well-known/smart-configuration`,
      `${server.baseUrl}/.well-known/smart-configuration`,
    ]) {
      const res = await fetch(url);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        token_endpoint: `${origin}/auth/token`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['client_credentials'],
      });
    }
  });

  it('asks for a bearer token on the FHIR API, and leaves metadata open', async () => {
    const res = await fhir('Patient');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="[^"]+", error="invalid_token"$/);
    expect((await fhir('Patient', 'made-up')).status).toBe(401);
    expect((await fhir('metadata')).status).toBe(200);
  });

  it('grants a token for a registered key, which then reads what its scopes allow', async () => {
    const answer = await requestToken(assertion(), 'system/Patient.read system/Banana.read');
    expect(answer).toMatchObject({
      status: 200,
      body: { token_type: 'bearer', expires_in: 60, scope: 'system/Patient.rs' },
    });
    const token = answer.body.access_token as string;
    const patients = await fhir('Patient', token);
    expect(patients.status).toBe(200);
    expect(((await patients.json()) as { entry?: unknown[] }).entry).toHaveLength(2);
    // Scopes hold: no other type, no write, not even inside a batch.
    expect((await fhir('Encounter', token)).status).toBe(403);
    const patient = JSON.stringify({
      resourceType: 'Patient',
      identifier: [{ system: 'urn:x', value: '1' }],
    });
    expect((await fhir('Patient?identifier=urn:x|1', token, { method: 'PUT', body: patient })).status).toBe(
      403,
    );
    const batch = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient?identifier=urn:x|1' } },
        {
          request: { method: 'PUT', url: 'Patient?identifier=urn:x|1' },
          resource: JSON.parse(patient) as unknown,
        },
      ],
    };
    expect((await fhir('', token, { method: 'POST', body: JSON.stringify(batch) })).status).toBe(403);
  });

  it('refuses a replayed assertion', async () => {
    const once = assertion();
    expect((await requestToken(once)).status).toBe(200);
    expect(await requestToken(once)).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
    });
  });

  it.each([
    ['an expired assertion', () => assertion({ exp: Math.floor(clock / 1000) - 120 })],
    [
      'an assertion valid for more than five minutes',
      () => assertion({ exp: Math.floor(clock / 1000) + 3600 }),
    ],
    ['another audience', () => assertion({ aud: 'https://elsewhere.example/token' })],
    ['an unknown client', () => assertion({ iss: 'stranger', sub: 'stranger' })],
    ['a key that is not registered', () => assertion({}, stranger)],
    ['a registered kid with another key', () => assertion({}, { ...stranger, kid: registered.kid })],
    ['HS256', () => jwt.sign({ iss: 'connector' }, 'secret', { algorithm: 'HS256', keyid: registered.kid })],
  ])('refuses %s', async (_name, make) => {
    expect(await requestToken(make())).toMatchObject({ status: 401, body: { error: 'invalid_client' } });
  });

  it('refuses scopes the client may not have, and a token past its lifetime', async () => {
    expect(await requestToken(assertion(), 'patient/*.read')).toMatchObject({
      status: 400,
      body: { error: 'invalid_scope' },
    });
    const token = (await requestToken(assertion())).body.access_token as string;
    expect((await fhir('Patient', token)).status).toBe(200);
    clock += 61_000;
    try {
      expect((await fhir('Patient', token)).status).toBe(401);
    } finally {
      clock -= 61_000;
    }
  });
});

describe('needsOf', () => {
  it.each([
    ['GET', 'Patient', [{ type: 'Patient', permission: 's' }]],
    ['GET', 'Patient/1/_history/2', [{ type: 'Patient', permission: 'r' }]],
    ['POST', 'Patient/_search', [{ type: 'Patient', permission: 's' }]],
    ['POST', 'Patient', [{ type: 'Patient', permission: 'c' }]],
    ['PUT', 'Patient', [{ type: 'Patient', permission: 'u' }]],
    ['DELETE', 'Patient/1', [{ type: 'Patient', permission: 'd' }]],
    ['GET', '', [{ type: '*', permission: 's' }]],
    ['GET', '_history', [{ type: '*', permission: 's' }]],
  ])('%s %s needs %j', (method, path, needs) => {
    expect(needsOf(method, path, undefined)).toEqual(needs);
  });

  it('asks for each entry of a batch, and for everything when the body is no Bundle', () => {
    const bundle = {
      entry: [
        { request: { method: 'GET', url: 'Encounter?identifier=a|b' } },
        { request: { method: 'PUT', url: 'Observation?identifier=a|b' } },
      ],
    };
    expect(needsOf('POST', '', bundle)).toEqual([
      { type: 'Encounter', permission: 's' },
      { type: 'Observation', permission: 'u' },
    ]);
    expect(needsOf('POST', '', 'nonsense')).toEqual([{ type: '*', permission: 'u' }]);
  });
});
