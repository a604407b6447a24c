import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { jwkThumbprint, signingKeyFromPem } from './signing-key';

const pem = (type: 'ec' | 'rsa', curve?: string): string => {
  const { privateKey } =
    type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: curve! })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  return privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
};

describe('hub signing key', () => {
  it('computes the RFC 7638 thumbprint (the RFC’s own example)', () => {
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'RSA',
        e: 'AQAB',
        n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      },
    });
    expect(jwkThumbprint(key)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('reads an EC P-384 PEM and names it by its thumbprint', () => {
    const key = signingKeyFromPem(pem('ec', 'secp384r1'), 'configured');
    expect(key.kid).toBe(jwkThumbprint(key.publicKey));
    expect(key.publicKey.type).toBe('public');
  });

  it.each([
    ['an RSA key', () => pem('rsa'), /EC P-384/],
    ['a P-256 key', () => pem('ec', 'prime256v1'), /EC P-384/],
    [
      'a public key',
      () => createPublicKey(pem('ec', 'secp384r1')).export({ format: 'pem', type: 'spki' }).toString(),
      /readable/,
    ],
    ['garbage', () => '-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----', /readable/],
  ])('refuses %s', (_name, make, message) => {
    expect(() => signingKeyFromPem(make(), 'configured')).toThrow(message);
  });
});
