import { generateKeyPairSync } from 'node:crypto';
import * as identity from '@passerelle/identity';
import { CLIENT_ASSERTION_TYPE, jwkThumbprint, PURPOSES_OF_USE } from './standards';

describe("the connector's copies of the identity lib's standard values", () => {
  it('are the same purposes of use and client assertion type', () => {
    expect([...PURPOSES_OF_USE]).toEqual([...identity.PURPOSES_OF_USE]);
    expect(CLIENT_ASSERTION_TYPE).toBe(identity.CLIENT_ASSERTION_TYPE);
  });

  it('compute the same RFC 7638 thumbprints, EC and RSA', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(jwkThumbprint(ec)).toBe(identity.jwkThumbprint(ec));
    expect(jwkThumbprint(rsa)).toBe(identity.jwkThumbprint(rsa));
    expect(jwkThumbprint(ec)).not.toBe(jwkThumbprint(rsa));
  });
});
