import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import type { PublicJwk } from '@passerelle/identity';

/**
 * Generates an agency's key pair: the private key goes to a file only the agency's user can
 * read (mode 0600) and never to the hub; the public half is returned as a JWK to register.
 */
export function generateAgencyKey(alg: 'ES384' | 'RS384', privateKeyFile: string): PublicJwk {
  if (existsSync(privateKeyFile))
    throw new Error(`${privateKeyFile} exists: refusing to overwrite a private key`);
  const pair =
    alg === 'ES384'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 3072 });
  writeFileSync(privateKeyFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
    flag: 'wx',
  });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint as kid: stable, and says nothing about the agency.
  const members =
    alg === 'ES384'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  return { ...(jwk as Omit<PublicJwk, 'kid'>), kid, alg, use: 'sig' };
}
