import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AgencyKind } from '@passerelle/identity';
import { TEST_ADMIN_TOKEN, type TestHub } from './hub';

export interface TestAgency {
  id: string;
  kid: string;
  privateKey: KeyObject;
  /** A signed client assertion for the hub's token endpoint; `claims` override or add claims. */
  assertion(claims?: Record<string, unknown>): string;
  /** An access token from the hub's token endpoint. */
  token(options?: {
    scope?: string;
    purposeOfUse?: string;
    practitioner?: string;
    breakGlassReason?: string;
  }): Promise<string>;
}

/** Registers an agency through the admin API with a fresh EC P-384 key, as an operator would. */
export async function registerAgency(
  hub: Pick<TestHub, 'url'>,
  options: { id: string; kind?: AgencyKind; scopes?: string[] },
): Promise<TestAgency> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kid = `${options.id}-key-1`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid };
  const response = await fetch(`${hub.url}/admin/agencies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: options.id,
      kind: options.kind ?? 'hospital',
      name: `Test agency ${options.id}`,
      jwks: { keys: [jwk] },
      scopes: options.scopes ?? ['system/*.cruds'],
    }),
  });
  if (response.status !== 201)
    throw new Error(`registering ${options.id}: ${response.status} ${await response.text()}`);
  const tokenUrl = `${hub.url}/auth/token`;
  const assertion = (claims: Record<string, unknown> = {}) =>
    jwt.sign({ iss: options.id, sub: options.id, aud: tokenUrl, jti: randomUUID(), ...claims }, privateKey, {
      algorithm: 'ES384',
      keyid: kid,
      expiresIn: 120,
    });
  return {
    id: options.id,
    kid,
    privateKey,
    assertion,
    token: async (t = {}) => {
      const form = new URLSearchParams({
        grant_type: 'client_credentials',
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion(),
        scope: t.scope ?? 'system/*.cruds',
      });
      // An empty purposeOfUse asks for a token without one.
      if (t.purposeOfUse !== '') form.set('purpose_of_use', t.purposeOfUse ?? 'TREAT');
      if (t.practitioner) form.set('practitioner', t.practitioner);
      if (t.breakGlassReason) form.set('break_glass_reason', t.breakGlassReason);
      const res = await fetch(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form,
      });
      const body = (await res.json()) as { access_token?: string };
      if (res.status !== 200 || !body.access_token)
        throw new Error(`token for ${options.id}: ${res.status} ${JSON.stringify(body)}`);
      return body.access_token;
    },
  };
}
