import { createHash, type KeyObject } from 'node:crypto';

/*
 * The few standard values the connector shares with the hub's identity lib, kept here so that a
 * connector does not load that lib (its entities, TypeORM, the store: ~50 MB resident) for three
 * constants. standards.spec.ts checks they stay equal to @passerelle/identity's.
 */

/** v3 ActReason codes a hub access token may carry as its purpose of use. */
export const PURPOSES_OF_USE = [
  'TREAT',
  'ETREAT',
  'HOPERAT',
  'PATRQT',
  'PUBHLTH',
  'HPAYMT',
  'HRESCH',
] as const;
export type PurposeOfUse = (typeof PURPOSES_OF_USE)[number];

/** RFC 7523: the client authenticates with a JWT it signed. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** RFC 7638: SHA-256 of the required members in lexicographic order, without whitespace. */
export function jwkThumbprint(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members =
    jwk.kty === 'EC'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}
