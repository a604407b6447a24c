import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { AccessTokenService, CLIENT_ASSERTION_TYPE, formatScope } from '@passerelle/identity';
import {
  createTestDatabase,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestDatabase,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

const FORM = 'application/x-www-form-urlencoded';
const CLIENT = 'chu-nantes';
const SUSPENDED = 'clinique-suspendue';
const ALLOWED = ['system/Patient.rs', 'system/Observation.cruds'];
const REQUESTED = 'system/Patient.rs system/Observation.rs system/Condition.rs';

const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC_PEM = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
const JWKS = {
  keys: [
    { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
    { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1' },
  ],
};

type Claims = Record<string, unknown>;
const nowSeconds = () => Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const defined = (o: Claims): Claims =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
/** Hand-made JWTs, for what jsonwebtoken refuses to sign. */
function rawJwt(header: object, payload: object, mac?: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${mac ? mac(input) : ''}`;
}

describe.each(STORE_KINDS)('SMART Backend Services token endpoint on %s', (kind) => {
  let database: TestDatabase;
  let hub: TestHub;
  const api = () => request(hub.url);

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    hub = await startTestHub(kind, { database });
    for (const id of [CLIENT, SUSPENDED]) {
      await api()
        .post('/admin/agencies')
        .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
        .send({ id, kind: 'hospital', name: id, jwks: JWKS, scopes: ALLOWED })
        .expect(201);
    }
    await api()
      .patch(`/admin/agencies/${SUSPENDED}`)
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .send({ status: 'suspended' })
      .expect(200);
  });
  afterAll(async () => {
    await hub.close();
    await database.drop();
  });

  const claims = (over: Claims = {}): Claims =>
    defined({
      iss: CLIENT,
      sub: CLIENT,
      aud: `${hub.url}/auth/token`,
      exp: nowSeconds() + 240,
      iat: nowSeconds(),
      jti: randomUUID(),
      ...over,
    });
  /** A client assertion: ES384 with ec-1 unless told otherwise; `kid: undefined` drops the kid. */
  function assertion(
    options: { key?: 'ec' | 'rsa'; alg?: string; kid?: string; claims?: Claims } = {},
  ): string {
    const key = options.key ?? 'ec';
    const alg = options.alg ?? (key === 'ec' ? 'ES384' : 'RS384');
    const kid = 'kid' in options ? options.kid : `${key}-1`;
    const privateKey = key === 'ec' ? ec.privateKey : rsa.privateKey;
    return sign(claims(options.claims), privateKey, {
      algorithm: alg as 'ES384',
      header: defined({ alg, kid }) as { alg: 'ES384' },
    });
  }
  const form = (over: Record<string, string | undefined> = {}): string =>
    new URLSearchParams(
      defined({
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion(),
        scope: REQUESTED,
        ...over,
      }) as Record<string, string>,
    ).toString();
  const postToken = (body: string, contentType = FORM) =>
    api().post('/auth/token').set('content-type', contentType).send(body);

  describe('grants', () => {
    it.each(['ec', 'rsa'] as const)(
      'a token for a valid %s assertion: the intersection of requested and allowed scopes',
      async (key) => {
        const res = await postToken(form({ client_assertion: assertion({ key }) })).expect(200);
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
        expect(res.body).toMatchObject({
          token_type: 'bearer',
          scope: 'system/Patient.rs system/Observation.rs',
        });
        expect(res.body.expires_in).toBeGreaterThan(0);
        expect(res.body.expires_in).toBeLessThanOrEqual(300);
        const access = hub.app.get(AccessTokenService).verify(res.body.access_token);
        expect(access).toMatchObject({ agency: CLIENT, agencyKind: 'hospital' });
        expect(access.scopes.map(formatScope)).toEqual(['system/Patient.rs', 'system/Observation.rs']);
        expect(access.purposeOfUse).toBeUndefined();
      },
    );

    it('system/*.rs as what the agency may read and search', async () => {
      const res = await postToken(form({ scope: 'system/*.rs' })).expect(200);
      expect(res.body.scope).toBe('system/Patient.rs system/Observation.rs');
    });

    it('the purpose of use and practitioner, the signed claims winning over the form', async () => {
      const signed = assertion({ claims: { purpose_of_use: 'TREAT', practitioner: 'Practitioner/42' } });
      const res = await postToken(
        form({ client_assertion: signed, purpose_of_use: 'HOPERAT', practitioner: 'Practitioner/7' }),
      ).expect(200);
      expect(hub.app.get(AccessTokenService).verify(res.body.access_token)).toMatchObject({
        purposeOfUse: 'TREAT',
        practitioner: 'Practitioner/42',
      });
    });

    it('break-glass with its reason, which the token carries', async () => {
      const res = await postToken(
        form({ purpose_of_use: 'ETREAT', break_glass_reason: 'Unconscious patient in the ED' }),
      ).expect(200);
      expect(hub.app.get(AccessTokenService).verify(res.body.access_token)).toMatchObject({
        purposeOfUse: 'ETREAT',
        breakGlassReason: 'Unconscious patient in the ED',
      });
    });
  });

  describe('refuses', () => {
    const hmacWithPublicKey = (input: string) =>
      createHmac('sha256', RSA_PUBLIC_PEM).update(input).digest('base64url');
    const presenting = (make: () => string) => () => form({ client_assertion: make() });
    const signedWith = (options: Parameters<typeof assertion>[0]) => presenting(() => assertion(options));
    const claiming = (over: Claims) => signedWith({ claims: over });
    /** Each of these fails client authentication: 401 invalid_client. */
    const unauthenticated: [string, () => string][] = [
      ['alg none', presenting(() => rawJwt({ alg: 'none', kid: 'ec-1' }, claims()))],
      [
        'HS256 keyed with the RSA public key PEM',
        presenting(() => rawJwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), hmacWithPublicKey)),
      ],
      ['RS256', signedWith({ key: 'rsa', alg: 'RS256' })],
      ['PS384', signedWith({ key: 'rsa', alg: 'PS384' })],
      ['an unknown kid', signedWith({ kid: 'ec-9' })],
      ['a missing kid', signedWith({ kid: undefined })],
      ['the kid of a key of the other type', signedWith({ key: 'ec', kid: 'rsa-1' })],
      ['iss ≠ sub', claiming({ sub: SUSPENDED })],
      ['an unknown client', claiming({ iss: 'inconnu', sub: 'inconnu' })],
      ['a suspended agency', claiming({ iss: SUSPENDED, sub: SUSPENDED })],
      ['a client_id other than the issuer', () => form({ client_id: SUSPENDED })],
      ['a wrong aud', claiming({ aud: 'https://elsewhere.example.org/auth/token' })],
      ['aud = the FHIR base', () => form({ client_assertion: assertion({ claims: { aud: hub.fhir } }) })],
      ['a missing exp', claiming({ exp: undefined })],
      [
        'exp more than 5 min ahead',
        () => form({ client_assertion: assertion({ claims: { exp: nowSeconds() + 3600 } }) }),
      ],
      [
        'an expired assertion',
        () => form({ client_assertion: assertion({ claims: { exp: nowSeconds() - 120 } }) }),
      ],
      ['a missing jti', claiming({ jti: undefined })],
      ['a jti over 255 characters', claiming({ jti: 'j'.repeat(256) })],
      ['a garbage assertion', presenting(() => 'eyJnYXJiYWdl.bm90IGEgand0.AAAA')],
    ];
    /** Malformed or unacceptable requests: 400 with the RFC 6749 code. */
    const malformed: [string, () => string, string][] = [
      ['a wrong grant_type', () => form({ grant_type: 'authorization_code' }), 'unsupported_grant_type'],
      ['a missing grant_type', () => form({ grant_type: undefined }), 'invalid_request'],
      [
        'a wrong client_assertion_type',
        () => form({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }),
        'invalid_request',
      ],
      ['a missing client_assertion', () => form({ client_assertion: undefined }), 'invalid_request'],
      ['a missing scope', () => form({ scope: undefined }), 'invalid_request'],
      ['a repeated parameter', () => `${form()}&scope=system%2F*.cruds`, 'invalid_request'],
      [
        'a scope with nothing grantable',
        () => form({ scope: 'system/Condition.rs system/Patient.cud openid' }),
        'invalid_scope',
      ],
      ['an unknown purpose_of_use', () => form({ purpose_of_use: 'SHOPPING' }), 'invalid_request'],
      ['ETREAT without a reason', () => form({ purpose_of_use: 'ETREAT' }), 'invalid_request'],
      [
        'a practitioner over 200 characters',
        () => form({ practitioner: 'p'.repeat(201) }),
        'invalid_request',
      ],
    ];
    const rows: [string, () => string, number, string][] = [
      ...unauthenticated.map(([name, body]): [string, () => string, number, string] => [
        name,
        body,
        401,
        'invalid_client',
      ]),
      ...malformed.map(([name, body, error]): [string, () => string, number, string] => [
        name,
        body,
        400,
        error,
      ]),
    ];

    it.each(rows)('%s', async (_name, body, status, error) => {
      const res = await postToken(body()).expect(status);
      expect(res.body).toEqual({ error, error_description: expect.any(String) });
      // One generic description per error code: nothing says which check failed.
      expect(res.body.error_description).not.toMatch(
        /kid|jti|exp|aud|iss|sub|alg|suspend|signature|purpose|practitioner/i,
      );
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('a JSON body, even one holding a valid request', async () => {
      const fields = Object.fromEntries(new URLSearchParams(form()));
      const res = await postToken(JSON.stringify(fields), 'application/json').expect(400);
      expect(res.body.error).toBe('invalid_request');
    });

    it('a replayed assertion (same jti)', async () => {
      const body = form();
      await postToken(body).expect(200);
      const replay = await postToken(body).expect(401);
      expect(replay.body.error).toBe('invalid_client');
    });
  });

  it('publishes its SMART configuration at the root and under the FHIR base', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const res = await api().get(path).expect(200);
      expect(res.body).toMatchObject({
        token_endpoint: `${hub.url}/auth/token`,
        token_endpoint_auth_methods_supported: ['private_key_jwt'],
        token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
        grant_types_supported: ['client_credentials'],
        capabilities: ['client-confidential-asymmetric'],
      });
      expect(res.body.scopes_supported).toContain('system/*.rs');
    }
  });

  it('after a restart on the same database, refuses a replay and still honours its tokens', async () => {
    const body = form();
    const granted = await postToken(body).expect(200);
    const port = Number(new URL(hub.url).port);
    await hub.close();
    hub = await startTestHub(kind, { database, port });
    const replay = await postToken(body).expect(401);
    expect(replay.body.error).toBe('invalid_client');
    expect(hub.app.get(AccessTokenService).verify(granted.body.access_token).agency).toBe(CLIENT);
  });
});
