import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * How a client authenticates to one agency server, so that the connector's auth options can be
 * tested against a server that really refuses: none, HTTP Basic, or a static bearer token.
 */
export type AgencyAuth =
  | { type: 'none' }
  | { type: 'basic'; username: string; password: string }
  | { type: 'bearer'; token: string };

export const NO_AUTH: AgencyAuth = { type: 'none' };

/** The header value a client sends for `auth` (undefined for none), for tests and the demo. */
export function authorizationHeader(auth: AgencyAuth): string | undefined {
  switch (auth.type) {
    case 'none':
      return undefined;
    case 'basic':
      return `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      return `Bearer ${auth.token}`;
  }
}

/** The `WWW-Authenticate` challenge of a 401, or undefined when the server is open. */
export function authChallenge(auth: AgencyAuth, realm: string): string | undefined {
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
export function isAuthorized(auth: AgencyAuth, header: string | undefined): boolean {
  const expected = authorizationHeader(auth);
  if (expected === undefined) return true;
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
