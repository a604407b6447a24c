import { decode, verify } from 'jsonwebtoken';
import type { Agency, PublicJwk } from '../agency/agency.types';
import { algorithmOf, CLIENT_ALGORITHMS, type ClientAlgorithm, publicKeyOf } from '../agency/jwks';
import { invalidClient } from './oauth-error';

/** RFC 7523: the client authenticates with a JWT it signed. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: an assertion expires at most five minutes after it is made. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
export const MAX_JTI_LENGTH = 255;
/** Far above any real assertion: a giant input is refused before it is parsed. */
export const MAX_ASSERTION_LENGTH = 8192;

/** What the header and `iss` say before anything is verified: which key to try, and whose. */
export interface UnverifiedAssertion {
  alg: ClientAlgorithm;
  kid: string;
  clientId: string;
}

export interface AssertionExpectations {
  clientId: string;
  /** The token endpoint's URL, the only audience accepted. */
  tokenUrl: string;
  nowSeconds: number;
  clockToleranceSeconds: number;
}

/**
 * What an assertion is checked against: the client's id, whether it may sign in, and its
 * registered keys. The hub's agencies are such clients; so are the clients an agency's own
 * server registers (the sandbox's SMART mode), which reuse this verifier.
 */
export type AssertionClient = Pick<Agency, 'id' | 'status' | 'jwks'>;

export interface AssertionVerifierDeps<C extends AssertionClient = Agency> {
  findAgency(id: string): Promise<C | undefined>;
  tokenUrl: string;
  clockToleranceSeconds: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now(): number;
}

export interface VerifiedAssertion<C extends AssertionClient = Agency> {
  agency: C;
  jti: string;
  /** The assertion's exp (seconds): its jti is remembered until then. */
  exp: number;
  /** Every claim, for the optional purpose_of_use, practitioner and break_glass_reason. */
  claims: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isClientAlgorithm(alg: unknown): alg is ClientAlgorithm {
  return typeof alg === 'string' && (CLIENT_ALGORITHMS as readonly string[]).includes(alg);
}

/** A header value fit for a log line: short, one line. */
function loggable(value: unknown): string {
  return JSON.stringify(String(value).slice(0, 16));
}

/**
 * Reads the header and issuer without trusting them. The algorithm is allowlisted here, before
 * any key is touched: `none`, HS*, RS256 and PS* never reach a verifier.
 */
export function readAssertion(assertion: string): UnverifiedAssertion {
  if (assertion.length > MAX_ASSERTION_LENGTH) throw invalidClient('assertion is too long');
  let decoded: ReturnType<typeof decode> = null;
  try {
    decoded = decode(assertion, { complete: true });
  } catch {
    // Undecodable input is refused below like any other non-JWT.
  }
  if (!decoded || !isRecord(decoded.header) || !isRecord(decoded.payload)) {
    throw invalidClient('assertion is not a JWT with a JSON payload');
  }
  const { alg, kid } = decoded.header;
  if (!isClientAlgorithm(alg)) throw invalidClient(`algorithm ${loggable(alg)} is not allowed`);
  if (typeof kid !== 'string' || kid.length === 0) throw invalidClient('header has no kid');
  const { iss } = decoded.payload;
  if (typeof iss !== 'string' || iss.length === 0) throw invalidClient('assertion has no iss');
  return { alg, kid, clientId: iss };
}

/** The one registered key the header names, and only if its type fits the header's algorithm. */
export function selectKey(agency: AssertionClient, header: UnverifiedAssertion): PublicJwk {
  const matches = agency.jwks.keys.filter((k) => k.kid === header.kid);
  if (matches.length !== 1) {
    throw invalidClient(matches.length === 0 ? 'kid is not registered' : 'kid is ambiguous', agency.id);
  }
  const [jwk] = matches;
  if (algorithmOf(jwk) !== header.alg) {
    throw invalidClient(`kid names an ${jwk.kty} key but the header says ${header.alg}`, agency.id);
  }
  return jwk;
}

/**
 * Checks the signature with the registered key and its one algorithm (never the header's: a
 * public key passed where HS256 is allowed would become an HMAC secret). Time claims are checked
 * by checkAssertionClaims, with reasons of our own.
 */
export function verifySignature(
  assertion: string,
  jwk: PublicJwk,
  clientId: string,
): Record<string, unknown> {
  let payload: unknown;
  try {
    payload = verify(assertion, publicKeyOf(jwk), {
      algorithms: [algorithmOf(jwk)],
      ignoreExpiration: true,
      ignoreNotBefore: true,
    });
  } catch {
    throw invalidClient('signature does not verify with the registered key', clientId);
  }
  if (!isRecord(payload)) throw invalidClient('assertion payload is not a JSON object', clientId);
  return payload;
}

/** iss, sub, aud, exp (≤ 5 min ahead, not past), nbf, iat and jti, per SMART Backend Services. */
export function checkAssertionClaims(
  claims: Readonly<Record<string, unknown>>,
  expected: AssertionExpectations,
): { jti: string; exp: number } {
  const { clientId, tokenUrl, nowSeconds: now, clockToleranceSeconds: tolerance } = expected;
  const fail = (reason: string) => invalidClient(reason, clientId);
  const { iss, sub, aud, exp, nbf, iat, jti } = claims;
  if (iss !== clientId) throw fail('iss is not the client id');
  if (sub !== iss) throw fail('sub differs from iss');
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (audiences.length !== 1 || audiences[0] !== tokenUrl) throw fail('aud is not the token endpoint URL');
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw fail('exp is missing');
  if (now >= exp + tolerance) throw fail('assertion has expired');
  if (exp > now + MAX_ASSERTION_LIFETIME_SECONDS + tolerance) {
    throw fail('exp is more than five minutes ahead');
  }
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > now + tolerance)) {
    throw fail('nbf is invalid or in the future');
  }
  if (iat !== undefined && (typeof iat !== 'number' || iat > now + tolerance)) {
    throw fail('iat is invalid or in the future');
  }
  if (typeof jti !== 'string' || jti.length === 0) throw fail('jti is missing');
  if (jti.length > MAX_JTI_LENGTH) throw fail(`jti is longer than ${MAX_JTI_LENGTH} characters`);
  return { jti, exp };
}

/**
 * Authenticates a client from its assertion: allowlisted algorithm, a registered key of the
 * right type, an existing and active agency, a valid signature, then the claims. Every failure
 * is `invalid_client`. Replay (jti already used) is the caller's check: it needs the database.
 */
export async function verifyClientAssertion<C extends AssertionClient = Agency>(
  assertion: string,
  deps: AssertionVerifierDeps<C>,
): Promise<VerifiedAssertion<C>> {
  const header = readAssertion(assertion);
  const agency = await deps.findAgency(header.clientId);
  if (!agency) throw invalidClient('no agency has this client id');
  if (agency.status !== 'active') throw invalidClient('agency is suspended', agency.id);
  const jwk = selectKey(agency, header);
  const claims = verifySignature(assertion, jwk, agency.id);
  const { jti, exp } = checkAssertionClaims(claims, {
    clientId: agency.id,
    tokenUrl: deps.tokenUrl,
    nowSeconds: Math.floor(deps.now() / 1000),
    clockToleranceSeconds: deps.clockToleranceSeconds,
  });
  return { agency, jti, exp, claims };
}
