import { createHmac, generateKeyPairSync } from 'node:crypto';
import { decode, sign } from 'jsonwebtoken';
import { type AccessGrant, AccessTokenService, InvalidTokenError } from './access-token';
import { formatScope, parseScopes } from './scopes';
import { type HubSigningKey, signingKeyFromPem } from './signing-key';

const BASE = 'https://hub.example.org';
const TTL = 300;
const TOLERANCE = 30;
const START = 1_800_000_000_000;

function newKey(): HubSigningKey {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  return signingKeyFromPem(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'configured');
}
const key = newKey();

function service(options: { cacheSize?: number; signingKey?: HubSigningKey } = {}) {
  const clock = { now: START };
  const tokens = new AccessTokenService(options.signingKey ?? key, {
    issuer: BASE,
    audience: `${BASE}/fhir`,
    ttlSeconds: TTL,
    clockToleranceSeconds: TOLERANCE,
    cacheSize: options.cacheSize,
    now: () => clock.now,
  });
  return { tokens, clock };
}

function without(claims: Record<string, unknown>, name: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(claims).filter(([k]) => k !== name));
}

const grant: AccessGrant = {
  agency: 'chu-nantes',
  agencyKind: 'hospital',
  scopes: parseScopes('system/Patient.rs system/Observation.cruds'),
  purposeOfUse: 'ETREAT',
  practitioner: 'Practitioner/42',
  breakGlassReason: 'Unconscious patient',
};

function reasonOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidTokenError);
    return (e as InvalidTokenError).reason;
  }
  throw new Error('expected the token to be refused');
}

describe('AccessTokenService', () => {
  it('issues an ES384 at+jwt with the claims the FHIR API needs', () => {
    const { tokens } = service();
    const issued = tokens.issue(grant);
    expect(issued.expiresIn).toBe(TTL);
    const jwt = decode(issued.token, { complete: true })!;
    expect(jwt.header).toEqual({ alg: 'ES384', typ: 'at+jwt', kid: key.kid });
    expect(jwt.payload).toEqual({
      iss: BASE,
      aud: `${BASE}/fhir`,
      sub: 'chu-nantes',
      agency_kind: 'hospital',
      scope: 'system/Patient.rs system/Observation.cruds',
      purpose_of_use: 'ETREAT',
      practitioner: 'Practitioner/42',
      break_glass_reason: 'Unconscious patient',
      jti: issued.context.tokenId,
      iat: START / 1000,
      exp: START / 1000 + TTL,
    });
  });

  it('verifies what it issued back into the same AccessContext', () => {
    const { tokens } = service();
    const issued = tokens.issue(grant);
    const context = tokens.verify(issued.token);
    expect({ ...context, scopes: context.scopes.map(formatScope) }).toEqual({
      ...grant,
      scopes: ['system/Patient.rs', 'system/Observation.cruds'],
      tokenId: issued.context.tokenId,
    });
    const minimal = tokens.issue({
      agency: 'cabinet-a',
      agencyKind: 'gp',
      scopes: parseScopes('system/*.rs'),
    });
    expect(tokens.verify(minimal.token)).toEqual({
      agency: 'cabinet-a',
      agencyKind: 'gp',
      scopes: expect.any(Array),
      tokenId: minimal.context.tokenId,
    });
  });

  it('another hub instance with the same key verifies it; one with another key does not', () => {
    const token = service().tokens.issue(grant).token;
    expect(service().tokens.verify(token).agency).toBe('chu-nantes');
    expect(reasonOf(() => service({ signingKey: newKey() }).tokens.verify(token))).toMatch(/signature/);
  });

  it('honours expiry with the clock tolerance, on a first check and from the cache alike', () => {
    const first = service();
    const token = first.tokens.issue(grant).token;
    first.clock.now = START + (TTL + TOLERANCE - 1) * 1000;
    expect(first.tokens.verify(token).agency).toBe('chu-nantes');
    first.clock.now = START + (TTL + TOLERANCE) * 1000;
    expect(reasonOf(() => first.tokens.verify(token))).toMatch(/expired/);

    const cached = service();
    const again = cached.tokens.issue(grant).token;
    cached.tokens.verify(again);
    cached.clock.now = START + (TTL + TOLERANCE) * 1000;
    expect(reasonOf(() => cached.tokens.verify(again))).toMatch(/expired/);
    expect(cached.tokens.cachedTokens).toBe(0);
  });

  it('checks each signature once and keeps the cache bounded', () => {
    const { tokens } = service({ cacheSize: 3 });
    const issued = [1, 2, 3, 4, 5].map(() => tokens.issue(grant).token);
    const first = tokens.verify(issued[0]);
    expect(tokens.verify(issued[0])).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    for (const token of issued) tokens.verify(token);
    expect(tokens.cachedTokens).toBe(3);
  });

  it('drops the least recently used token first when full', () => {
    const { tokens } = service({ cacheSize: 2 });
    const [a, b, c] = [1, 2, 3].map(() => tokens.issue(grant).token);
    const contextA = tokens.verify(a);
    const contextB = tokens.verify(b);
    expect(tokens.verify(a)).toBe(contextA); // a hit: a is now the most recently used
    tokens.verify(c); // full: b, the least recently used, goes
    expect(tokens.cachedTokens).toBe(2);
    expect(tokens.verify(a)).toBe(contextA); // still remembered: the same frozen context
    const again = tokens.verify(b); // verified afresh: a new context with the same claims
    expect(again).not.toBe(contextB);
    expect(again).toEqual(contextB);
  });

  it('answers from the cache only what verifying afresh would answer', () => {
    const { tokens, clock } = service();
    const token = tokens.issue(grant).token;
    tokens.verify(token);
    // Another hub key (a rotated one) never vouches for a token this service cached.
    expect(reasonOf(() => service({ signingKey: newKey() }).tokens.verify(token))).toMatch(/signature/);
    // One character changed is another token: never the cached entry, and refused.
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(reasonOf(() => tokens.verify(forged))).toMatch(/signature|invalid/);
    clock.now = START + (TTL + TOLERANCE) * 1000;
    expect(reasonOf(() => tokens.verify(token))).toMatch(/expired/);
    expect(tokens.cachedTokens).toBe(0);
  });

  describe('refuses', () => {
    const { tokens } = service();
    const now = START / 1000;
    const claims = {
      iss: BASE,
      aud: `${BASE}/fhir`,
      sub: 'chu-nantes',
      agency_kind: 'hospital',
      scope: 'system/*.rs',
      jti: 'j',
      iat: now,
      exp: now + TTL,
    };
    const hubSigned = (payload: object, header: object = {}) =>
      sign(payload, key.privateKey, {
        algorithm: 'ES384',
        header: { alg: 'ES384', typ: 'at+jwt', kid: key.kid, ...header },
      });
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const publicPem = key.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    const hmacInput = `${b64({ alg: 'HS256', typ: 'at+jwt', kid: key.kid })}.${b64(claims)}`;

    it.each<[string, () => string, RegExp]>([
      ['garbage', () => 'garbage', /malformed/],
      [
        'alg none',
        () => `${b64({ alg: 'none', typ: 'at+jwt', kid: key.kid })}.${b64(claims)}.`,
        /signature is required/,
      ],
      [
        'HS256 keyed with the hub public key',
        () => `${hmacInput}.${createHmac('sha256', publicPem).update(hmacInput).digest('base64url')}`,
        /algorithm/,
      ],
      [
        'an ES256 signature',
        () =>
          sign(claims, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey, {
            algorithm: 'ES256',
          }),
        /algorithm/,
      ],
      ['another issuer', () => hubSigned({ ...claims, iss: 'https://evil.example.org' }), /issuer/],
      ['a client assertion audience', () => hubSigned({ ...claims, aud: `${BASE}/auth/token` }), /audience/],
      ['no exp', () => hubSigned(without(claims, 'exp')), /exp is missing/],
      ['a plain JWT type', () => hubSigned(claims, { typ: 'JWT' }), /typ/],
      ['an unknown kid', () => hubSigned(claims, { kid: 'other' }), /kid/],
      ['an unknown agency kind', () => hubSigned({ ...claims, agency_kind: 'pharmacy' }), /agency_kind/],
      ['an unknown purpose', () => hubSigned({ ...claims, purpose_of_use: 'SHOPPING' }), /purpose_of_use/],
      ['no scope', () => hubSigned(without(claims, 'scope')), /scope/],
      ['an oversized token', () => hubSigned({ ...claims, pad: 'x'.repeat(10_000) }), /too long/],
      [
        'a tampered payload',
        () => {
          const [h, , s] = tokens.issue(grant).token.split('.');
          return `${h}.${b64({ ...claims, scope: 'system/*.cruds' })}.${s}`;
        },
        /signature/,
      ],
    ])('%s', (_name, token, reason) => {
      expect(reasonOf(() => tokens.verify(token()))).toMatch(reason);
      expect(tokens.cachedTokens).toBe(0);
    });
  });
});
