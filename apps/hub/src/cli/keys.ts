import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import type { PublicJwk } from '@passerelle/identity';

/** `--key-out -`: the private key is written to standard output (e.g. out of a container). */
export const KEY_TO_STDOUT = '-';

/**
 * Generates an agency's key pair: the private key goes to a file only the agency's user can
 * read (mode 0600), or to standard output, and never to the hub; the public half is returned as
 * a JWK to register.
 */
export function generateAgencyKey(alg: 'ES384' | 'RS384', privateKeyFile: string): PublicJwk {
  if (privateKeyFile !== KEY_TO_STDOUT && existsSync(privateKeyFile))
    throw new Error(`${privateKeyFile} exists: refusing to overwrite a private key`);
  const pair =
    alg === 'ES384'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 3072 });
  const pem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' });
  if (privateKeyFile === KEY_TO_STDOUT) process.stdout.write(pem);
  else writeFileSync(privateKeyFile, pem, { mode: 0o600, flag: 'wx' });
  const jwk = pair.publicKey.export({ format: 'jwk' });
  // RFC 7638 thumbprint as kid: stable, and says nothing about the agency.
  const members =
    alg === 'ES384'
      ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
      : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  const kid = createHash('sha256').update(JSON.stringify(members)).digest('base64url');
  return { ...(jwk as Omit<PublicJwk, 'kid'>), kid, alg, use: 'sig' };
}
