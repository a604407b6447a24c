import { createHash, timingSafeEqual } from 'node:crypto';
import type { SmartBackendOptions, SmartClient } from './smart-backend';

/** The credentials a server checks against one fixed value: none, HTTP Basic, a static bearer token. */
export type StaticAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

/**
 * How a client authenticates to one agency server, so that the connector's auth options can be
 * tested against a server that really refuses: a static credential, or SMART Backend Services
 * (tokens from the server's own token endpoint for the registered clients, see smart-backend.ts).
 */
export type AgencyAuth =
  | StaticAuth
  | ({ type: 'smart-backend'; clients: SmartClient[] } & Pick<SmartBackendOptions, 'tokenLifetimeSeconds'>);

export const NO_AUTH: StaticAuth = { type: 'none' };

/** The header value a client sends for `auth` (undefined for none), for tests and the demo. */
export function authorizationHeader(auth: AgencyAuth): string | undefined {
  switch (auth.type) {
    // A SMART server's tokens come from its token endpoint, not from its configuration.
    case 'none':
    case 'smart-backend':
      return undefined;
    case 'basic':
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${auth.token}`;
  }
}

/** The `WWW-Authenticate` challenge of a 401, or undefined when the server is open. */
export function authChallenge(auth: StaticAuth, realm: string): string | undefined {
  switch (auth.type) {
    case 'none':
      return undefined;
    case 'basic':
      return `Basic realm="${realm}", charset="UTF-8"`;
    case 'bearer':
      return `Bearer realm="${realm}"`;
  }
}

/** True when the request's Authorization header satisfies `auth` (compared in constant time). */
export function isAuthorized(auth: StaticAuth, header: string | undefined): boolean {
  const expected = authorizationHeader(auth);
  if (expected === undefined) return auth.type === 'none';
  if (header === undefined) return false;
  const scheme = expected.slice(0, expected.indexOf(' '));
  const [givenScheme = '', ...rest] = header.trim().split(/\s+/);
  // The scheme is case-insensitive (RFC 9110); the credentials are not.
  const given = `${scheme}${givenScheme.toLowerCase() === scheme.toLowerCase() ? ' ' : '\u0000'}${rest.join(' ')}`;
  return sameDigest(given, expected);
}

function sameDigest(a: string, b: string): boolean {
  // Hashing first makes both sides the same length, so timingSafeEqual can compare them.
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}
