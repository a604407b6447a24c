import { createHmac, generateKeyPairSync } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { Agency } from '../agency/agency.types';
import { validateJwks } from '../agency/jwks';
import {
  checkAssertionClaims,
  MAX_ASSERTION_LENGTH,
  readAssertion,
  selectKey,
  verifyClientAssertion,
  verifySignature,
} from './client-assertion';
import { type OAuthError } from './oauth-error';

const NOW = 1_800_000_000;
const TOKEN_URL = 'https://hub.example.org/auth/token';
const TOLERANCE = 30;
const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherEc = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });

function agencyWith(id: string, status: Agency['status'] = 'active'): Agency {
  const jwks = validateJwks({
    keys: [
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1' },
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1' },
    ],
  });
  const at = new Date(NOW * 1000);
  return {
    id,
    kind: 'hospital',
    name: id,
    organization: { resourceType: 'Organization' },
    jwks,
    scopes: ['system/*.rs'],
    status,
    createdAt: at,
    updatedAt: at,
  };
}
const AGENCIES = new Map(
  [agencyWith('chu-nantes'), agencyWith('cabinet-dormant', 'suspended')].map((a) => [a.id, a]),
);

const claims = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  iss: 'chu-nantes',
  sub: 'chu-nantes',
  aud: TOKEN_URL,
  exp: NOW + 240,
  iat: NOW,
  jti: 'jti-1',
  ...over,
});
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A JWT assembled by hand, for what jsonwebtoken refuses to sign (alg none, HMAC with a PEM). */
function rawJwt(header: object, payload: object, signWith?: (input: string) => string): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${signWith ? signWith(input) : ''}`;
}
const es384 = (payload: object, kid = 'ec-1') =>
  sign(payload, ec.privateKey, { algorithm: 'ES384', keyid: kid });
const rs384 = (payload: object, kid = 'rsa-1') =>
  sign(payload, rsa.privateKey, { algorithm: 'RS384', keyid: kid });

function refusal(f: () => unknown): OAuthError {
  try {
    f();
  } catch (e) {
    return e as OAuthError;
  }
  throw new Error('expected a refusal');
}

describe('readAssertion', () => {
  const publicPem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
  it.each([
    ['alg none', rawJwt({ alg: 'none', kid: 'rsa-1' }, claims())],
    [
      'HS256 keyed with the RSA public key',
      rawJwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), (i) =>
        createHmac('sha256', publicPem).update(i).digest('base64url'),
      ),
    ],
    ['RS256', sign(claims(), rsa.privateKey, { algorithm: 'RS256', keyid: 'rsa-1' })],
    ['PS384', sign(claims(), rsa.privateKey, { algorithm: 'PS384', keyid: 'rsa-1' })],
    ['no kid', sign(claims(), ec.privateKey, { algorithm: 'ES384' })],
    ['no iss', es384(claims({ iss: undefined }))],
    ['garbage', 'not.a.jwt'],
    ['a JSON string payload', rawJwt({ alg: 'ES384', kid: 'ec-1' }, 'chu-nantes' as unknown as object)],
    ['an oversized input', es384(claims({ pad: 'x'.repeat(MAX_ASSERTION_LENGTH) }))],
  ])('refuses %s as invalid_client', (_name, assertion) => {
    const e = refusal(() => readAssertion(assertion));
    expect(e.error).toBe('invalid_client');
    expect(e.status).toBe(401);
  });

  it('reads the algorithm, the kid and the claimed client', () => {
    expect(readAssertion(rs384(claims()))).toEqual({ alg: 'RS384', kid: 'rsa-1', clientId: 'chu-nantes' });
  });
});

describe('selectKey and verifySignature', () => {
  const agency = AGENCIES.get('chu-nantes')!;

  it('refuses an unknown kid and a kid whose key type does not fit the algorithm', () => {
    expect(
      refusal(() => selectKey(agency, { alg: 'ES384', kid: 'nope', clientId: agency.id })).reason,
    ).toMatch(/not registered/);
    expect(
      refusal(() => selectKey(agency, { alg: 'ES384', kid: 'rsa-1', clientId: agency.id })).reason,
    ).toMatch(/RSA key/);
    expect(
      refusal(() => selectKey(agency, { alg: 'RS384', kid: 'ec-1', clientId: agency.id })).reason,
    ).toMatch(/EC key/);
    expect(selectKey(agency, { alg: 'ES384', kid: 'ec-1', clientId: agency.id }).kty).toBe('EC');
  });

  it('checks the signature with the registered key and its algorithm only', () => {
    const ecKey = selectKey(agency, { alg: 'ES384', kid: 'ec-1', clientId: agency.id });
    expect(verifySignature(es384(claims()), ecKey, agency.id).jti).toBe('jti-1');
    const forged = sign(claims(), otherEc.privateKey, { algorithm: 'ES384', keyid: 'ec-1' });
    expect(refusal(() => verifySignature(forged, ecKey, agency.id)).error).toBe('invalid_client');
    // Even handed straight to the verifier, an HMAC keyed with the public key PEM does not pass.
    const rsaKey = selectKey(agency, { alg: 'RS384', kid: 'rsa-1', clientId: agency.id });
    const pem = rsa.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hmac = rawJwt({ alg: 'HS256', kid: 'rsa-1' }, claims(), (i) =>
      createHmac('sha256', pem).update(i).digest('base64url'),
    );
    expect(refusal(() => verifySignature(hmac, rsaKey, agency.id)).error).toBe('invalid_client');
  });
});

describe('checkAssertionClaims', () => {
  const expected = {
    clientId: 'chu-nantes',
    tokenUrl: TOKEN_URL,
    nowSeconds: NOW,
    clockToleranceSeconds: TOLERANCE,
  };

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['iss is another client', { iss: 'other' }, /iss/],
    ['sub differs from iss', { sub: 'other' }, /sub/],
    ['aud is the FHIR base', { aud: 'https://hub.example.org/fhir' }, /aud/],
    ['aud has a trailing slash', { aud: `${TOKEN_URL}/` }, /aud/],
    ['aud lists a second audience', { aud: [TOKEN_URL, 'https://elsewhere.example.org'] }, /aud/],
    ['aud is missing', { aud: undefined }, /aud/],
    ['exp is missing', { exp: undefined }, /exp is missing/],
    ['exp is text', { exp: String(NOW + 60) }, /exp is missing/],
    ['exp is past, beyond the tolerance', { exp: NOW - TOLERANCE }, /expired/],
    ['exp is more than 5 min ahead', { exp: NOW + 300 + TOLERANCE + 1 }, /five minutes/],
    ['exp is an hour ahead', { exp: NOW + 3600 }, /five minutes/],
    ['nbf is in the future', { nbf: NOW + TOLERANCE + 1 }, /nbf/],
    ['iat is in the future', { iat: NOW + TOLERANCE + 1 }, /iat/],
    ['jti is missing', { jti: undefined }, /jti is missing/],
    ['jti is empty', { jti: '' }, /jti is missing/],
    ['jti is a number', { jti: 42 }, /jti is missing/],
    ['jti is 256 characters', { jti: 'j'.repeat(256) }, /longer than 255/],
  ])('refuses an assertion whose %s', (_name, over, reason) => {
    const e = refusal(() => checkAssertionClaims(claims(over), expected));
    expect(e.error).toBe('invalid_client');
    expect(e.reason).toMatch(reason);
    expect(e.clientId).toBe('chu-nantes');
  });

  it.each<[string, Record<string, unknown>]>([
    ['a typical assertion', {}],
    ['aud as a one-element array', { aud: [TOKEN_URL] }],
    ['exp just past, within the tolerance', { exp: NOW - TOLERANCE + 1 }],
    ['exp exactly 5 min (+ tolerance) ahead', { exp: NOW + 300 + TOLERANCE }],
    ['no iat', { iat: undefined }],
    ['a 255-character jti', { jti: 'j'.repeat(255) }],
  ])('accepts %s', (_name, over) => {
    const c = claims(over);
    expect(checkAssertionClaims(c, expected)).toEqual({ jti: c.jti, exp: c.exp });
  });
});

describe('verifyClientAssertion', () => {
  const deps = {
    findAgency: (id: string) => Promise.resolve(AGENCIES.get(id)),
    tokenUrl: TOKEN_URL,
    clockToleranceSeconds: TOLERANCE,
    now: () => NOW * 1000,
  };
  const failure = (assertion: string) =>
    verifyClientAssertion(assertion, deps).then(
      () => undefined,
      (e: OAuthError) => e,
    );

  it('authenticates ES384 and RS384 assertions', async () => {
    for (const assertion of [es384(claims()), rs384(claims())]) {
      const verified = await verifyClientAssertion(assertion, deps);
      expect(verified.agency.id).toBe('chu-nantes');
      expect(verified).toMatchObject({ jti: 'jti-1', exp: NOW + 240 });
    }
  });

  it('refuses an unknown client and a suspended one', async () => {
    expect(await failure(es384(claims({ iss: 'nobody', sub: 'nobody' })))).toMatchObject({
      error: 'invalid_client',
      clientId: undefined,
    });
    const suspended = await failure(es384(claims({ iss: 'cabinet-dormant', sub: 'cabinet-dormant' })));
    expect(suspended).toMatchObject({ error: 'invalid_client', reason: 'agency is suspended' });
  });

  it('checks the claims only after the signature', async () => {
    const forged = sign(claims({ exp: NOW - 3600 }), otherEc.privateKey, {
      algorithm: 'ES384',
      keyid: 'ec-1',
    });
    expect((await failure(forged))?.reason).toMatch(/signature/);
  });
});
