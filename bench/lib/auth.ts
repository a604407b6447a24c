import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

/** The audit checkpoint key (Ed25519, PEM) the benchmark's hub signs with, fresh per run. */
export function newCheckpointKey(): string {
  return generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** The operator credential the benchmark's hub is started with (ADMIN_TOKEN), fresh per run. */
export function newAdminToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Hands out a valid access token, asking the hub for a new one before the current one expires.
 * `none` when this hub build has no token endpoint yet: requests then go without a token.
 */
export interface TokenSource {
  auth: 'bearer' | 'none';
  token: () => Promise<string | undefined>;
}

/** The Authorization header for a token, none without one. */
export function authHeader(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export const BENCH_AGENCY = 'bench-agency';

/**
 * Does what a real client does: the operator registers the agency (admin API, EC P-384 key), then
 * the agency gets SMART Backend Services tokens with a signed client assertion. The token carries
 * a purpose of use, without which the hub refuses to disclose patient data.
 */
export async function registerBenchAgency(
  hubUrl: string,
  adminToken: string,
  id: string = BENCH_AGENCY,
): Promise<TokenSource> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kid = `${id}-key-1`;
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid };
  const registered = await fetch(`${hubUrl}/admin/agencies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id,
      kind: 'hospital',
      name: 'Benchmark agency',
      jwks: { keys: [jwk] },
      scopes: ['system/*.cruds'],
    }),
  });
  if (registered.status === 404) return { auth: 'none', token: () => Promise.resolve(undefined) };
  if (registered.status === 409) {
    // A second hub on the same database (bench/auth): rotate to this run's key, as an operator would.
    const rotated = await fetch(`${hubUrl}/admin/agencies/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jwks: { keys: [jwk] } }),
    });
    if (rotated.status !== 200)
      throw new Error(`rotating the bench agency's key: ${rotated.status} ${await rotated.text()}`);
  } else if (registered.status !== 201) {
    throw new Error(`registering the bench agency: ${registered.status} ${await registered.text()}`);
  }
  const tokenUrl = `${hubUrl}/auth/token`;
  let current: { token: string; renewAt: number } | undefined;
  const fetchToken = async () => {
    const assertion = jwt.sign({ iss: id, sub: id, aud: tokenUrl, jti: randomUUID() }, privateKey, {
      algorithm: 'ES384',
      keyid: kid,
      expiresIn: 120,
    });
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'system/*.cruds',
      purpose_of_use: 'TREAT',
    });
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
    if (res.status === 404) return undefined;
    const body = (await res.json()) as { access_token?: string; expires_in?: number };
    if (res.status !== 200 || !body.access_token) {
      throw new Error(`access token: ${res.status} ${JSON.stringify(body)}`);
    }
    // Renew a minute early, so a request never leaves with a token about to expire.
    const lifetimeMs = (body.expires_in ?? 60) * 1000;
    return { token: body.access_token, renewAt: Date.now() + Math.max(lifetimeMs - 60_000, lifetimeMs / 2) };
  };
  current = await fetchToken();
  if (!current) return { auth: 'none', token: () => Promise.resolve(undefined) };
  let pending: Promise<{ token: string; renewAt: number } | undefined> | undefined;
  return {
    auth: 'bearer',
    token: async () => {
      if (current && Date.now() < current.renewAt) return current.token;
      // One renewal at a time, shared by the concurrent workers that need it.
      pending ??= fetchToken().finally(() => (pending = undefined));
      current = await pending;
      if (!current) throw new Error('the token endpoint disappeared');
      return current.token;
    },
  };
}
