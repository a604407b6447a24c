import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { jwkThumbprint } from './standards';

/** A private key the connector signs client assertions with (SMART Backend Services). */
export interface ClientKey {
  /** secret */
  privateKey: KeyObject;
  kid: string;
  alg: 'ES384' | 'RS384';
}

/**
 * Reads a PEM private key (the hub CLI's `agency add --key-out`, or the key whose public half is
 * registered at the agency's EHR); the kid defaults to its JWK thumbprint, as the CLI registers
 * it. `variables` name the settings in messages (PRIVATE_KEY_FILE and KEY_ALG by default).
 */
export function readClientKey(
  file: string,
  options: { kid?: string; alg?: 'ES384' | 'RS384'; variables?: { file: string; alg: string } } = {},
): ClientKey | string {
  const names = options.variables ?? { file: 'PRIVATE_KEY_FILE', alg: 'KEY_ALG' };
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(file));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EACCES'
      ? `${names.file} ${file} cannot be read (${code})`
      : `${names.file} ${file} is not a PEM private key`;
  }
  const type = privateKey.asymmetricKeyType;
  const keyAlg =
    type === 'ec' && privateKey.asymmetricKeyDetails?.namedCurve === 'secp384r1'
      ? 'ES384'
      : type === 'rsa' && (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048
        ? 'RS384'
        : undefined;
  if (keyAlg === undefined)
    return `${names.file} must hold an EC P-384 key (ES384) or an RSA key of 2048 bits or more (RS384)`;
  if (options.alg !== undefined && options.alg !== keyAlg) {
    return `${names.alg} is ${options.alg} but ${names.file} holds a key for ${keyAlg}`;
  }
  return { privateKey, kid: options.kid ?? jwkThumbprint(createPublicKey(privateKey)), alg: keyAlg };
}
