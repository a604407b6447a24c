import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { badRequest } from '@passerelle/fhir';
import type { Jwks, PublicJwk } from './agency.types';

/** The algorithms the hub accepts for client assertions, and the key each needs. */
export const CLIENT_ALGORITHMS = ['RS384', 'ES384'] as const;
export type ClientAlgorithm = (typeof CLIENT_ALGORITHMS)[number];

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

/**
 * Checks a JWKS an agency registers: public RSA (≥ 2048 bits) or EC P-384 keys, each with a
 * unique kid; a private or symmetric member is refused, so a private key never reaches the hub.
 */
export function validateJwks(value: unknown): Jwks {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as Jwks).keys)) {
    throw badRequest('jwks must be a JSON Web Key Set: { "keys": [...] }', ['jwks']);
  }
  const keys = (value as { keys: unknown[] }).keys;
  if (keys.length === 0 || keys.length > 10) throw badRequest('jwks must hold 1 to 10 keys', ['jwks.keys']);
  const kids = new Set<string>();
  const out = keys.map((raw, i): PublicJwk => {
    const where = [`jwks.keys[${i}]`];
    if (typeof raw !== 'object' || raw === null) throw badRequest('A key must be a JSON object', where);
    const k = raw as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => m in k))
      throw badRequest('Register public keys only (a private member is present)', where);
    if (typeof k.kid !== 'string' || k.kid.length === 0 || k.kid.length > 128)
      throw badRequest('Each key needs a kid', where);
    if (kids.has(k.kid)) throw badRequest('Each kid must be unique', where);
    kids.add(k.kid);
    let key: KeyObject;
    try {
      key = createPublicKey({ key: k as JsonWebKey, format: 'jwk' });
    } catch {
      throw badRequest('Not a valid public JWK', where);
    }
    const details = key.asymmetricKeyDetails;
    if (k.kty === 'RSA') {
      if (!details?.modulusLength || details.modulusLength < 2048)
        throw badRequest('RSA keys must be at least 2048 bits', where);
      if (k.alg !== undefined && k.alg !== 'RS384') throw badRequest('An RSA key is used with RS384', where);
      return { kty: 'RSA', kid: k.kid, alg: 'RS384', use: 'sig', n: k.n as string, e: k.e as string };
    }
    if (k.kty === 'EC') {
      if (details?.namedCurve !== 'secp384r1') throw badRequest('EC keys must be on P-384', where);
      if (k.alg !== undefined && k.alg !== 'ES384') throw badRequest('An EC key is used with ES384', where);
      return {
        kty: 'EC',
        kid: k.kid,
        alg: 'ES384',
        use: 'sig',
        crv: 'P-384',
        x: k.x as string,
        y: k.y as string,
      };
    }
    throw badRequest('Keys must be RSA or EC', where);
  });
  return { keys: out };
}

/** The key object for a registered JWK. */
export function publicKeyOf(jwk: PublicJwk): KeyObject {
  const { kty, n, e, crv, x, y } = jwk;
  return createPublicKey({ key: kty === 'RSA' ? { kty, n, e } : { kty, crv, x, y }, format: 'jwk' });
}

/** The algorithm a key is used with. */
export function algorithmOf(jwk: PublicJwk): ClientAlgorithm {
  return jwk.kty === 'RSA' ? 'RS384' : 'ES384';
}
