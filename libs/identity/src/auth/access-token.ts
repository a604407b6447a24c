import { createHmac, hash, randomUUID } from 'node:crypto';
import { sign, verify } from 'jsonwebtoken';
import { AGENCY_KINDS, type AgencyKind } from '../agency/agency.types';
import { type AccessContext, PURPOSES_OF_USE, type PurposeOfUse } from './access-context';
import { formatScope, parseScopes } from './scopes';
import type { HubSigningKey } from './signing-key';

/** The one algorithm hub access tokens use, and the only one verify() accepts. */
export const ACCESS_TOKEN_ALGORITHM = 'ES384';
/** RFC 9068's type for JWT access tokens: nothing else the hub signs can pass for one. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';
/** Hub tokens are well under 2 KB; anything far larger is refused before it is parsed. */
const MAX_TOKEN_LENGTH = 8192;

export interface AccessTokenOptions {
  /** The hub's public base URL. */
  issuer: string;
  /** The FHIR base URL: the tokens are good there and nowhere else. */
  audience: string;
  ttlSeconds: number;
  clockToleranceSeconds: number;
  /** Verified tokens remembered (least recently used dropped first), so each signature is checked once (default 10,000). */
  cacheSize?: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
}

/** What a token is issued for: an AccessContext before it has a token id. */
export type AccessGrant = Omit<AccessContext, 'tokenId'>;

export interface IssuedAccessToken {
  token: string;
  expiresIn: number;
  context: AccessContext;
}

/** The token is not a valid hub access token. `reason` is for the log, never for the caller. */
export class InvalidTokenError extends Error {
  constructor(readonly reason: string) {
    super(`invalid access token: ${reason}`);
    this.name = 'InvalidTokenError';
  }
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidTokenError(`${name} is not a string`);
  return value;
}

/**
 * Issues and verifies the hub's access tokens: ES384 JWTs signed with the hub key. verify() is
 * synchronous: the key is loaded before the service exists (see loadSigningKey).
 */
export class AccessTokenService {
  private readonly cache = new Map<string, { context: AccessContext; liveUntilMs: number }>();
  private readonly cacheSize: number;
  private readonly now: () => number;

  constructor(
    private readonly key: HubSigningKey,
    private readonly options: AccessTokenOptions,
  ) {
    this.cacheSize = options.cacheSize ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get kid(): string {
    return this.key.kid;
  }

  /**
   * A secret for another purpose (e.g. binding paging links to an agency), derived from the
   * signing key so that every hub instance derives the same one and none is stored apart.
   */
  deriveKey(purpose: string): Buffer {
    const material = this.key.privateKey.export({ format: 'pem', type: 'pkcs8' });
    return createHmac('sha256', material).update(purpose).digest();
  }

  issue(grant: AccessGrant): IssuedAccessToken {
    const iat = Math.floor(this.now() / 1000);
    const expiresIn = this.options.ttlSeconds;
    const tokenId = randomUUID();
    const claims: Record<string, unknown> = {
      iss: this.options.issuer,
      aud: this.options.audience,
      sub: grant.agency,
      agency_kind: grant.agencyKind,
      scope: grant.scopes.map(formatScope).join(' '),
      jti: tokenId,
      iat,
      exp: iat + expiresIn,
    };
    if (grant.purposeOfUse !== undefined) claims.purpose_of_use = grant.purposeOfUse;
    if (grant.practitioner !== undefined) claims.practitioner = grant.practitioner;
    if (grant.breakGlassReason !== undefined) claims.break_glass_reason = grant.breakGlassReason;
    const token = sign(claims, this.key.privateKey, {
      algorithm: ACCESS_TOKEN_ALGORITHM,
      header: { alg: ACCESS_TOKEN_ALGORITHM, typ: ACCESS_TOKEN_TYPE, kid: this.key.kid },
    });
    return { token, expiresIn, context: { ...grant, tokenId } };
  }

  /**
   * The caller a token speaks for; throws InvalidTokenError. A token already verified is answered
   * from memory, keyed by the SHA-256 of the token (the bearer secret itself is not kept), until
   * its exp (+ tolerance): exactly as long as verifying it again would accept it. Only the
   * signature and the claims are checked, with or without the cache: suspending an agency does not
   * revoke its live tokens (they last at most five minutes, and the token endpoint refuses it new
   * ones), so the cache changes no answer, only how often the signature is checked.
   */
  verify(token: string): AccessContext {
    const now = this.now();
    // One-shot: no Hash object per request (2 µs instead of 5 for a hub token, Node 20).
    const key = hash('sha256', token, 'base64url');
    const cached = this.cache.get(key);
    if (cached) {
      this.cache.delete(key);
      if (now < cached.liveUntilMs) {
        this.cache.set(key, cached); // most recently used goes last
        return cached.context;
      }
    }
    const { context, exp } = this.verifyUncached(token, now);
    this.remember(key, context, (exp + this.options.clockToleranceSeconds) * 1000, now);
    return context;
  }

  private verifyUncached(token: string, now: number): { context: AccessContext; exp: number } {
    if (token.length > MAX_TOKEN_LENGTH) throw new InvalidTokenError('token is too long');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      const verified = verify(token, this.key.publicKey, {
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.options.issuer,
        audience: this.options.audience,
        clockTolerance: this.options.clockToleranceSeconds,
        clockTimestamp: Math.floor(now / 1000),
        complete: true,
      });
      header = verified.header as unknown as Record<string, unknown>;
      claims = verified.payload as Record<string, unknown>;
    } catch (e) {
      // jsonwebtoken's messages name the failed check, never the token's contents.
      throw new InvalidTokenError(e instanceof Error ? e.message : 'not a JWT');
    }
    if (typeof claims !== 'object' || claims === null) {
      throw new InvalidTokenError('payload is not an object');
    }
    if (header.typ !== ACCESS_TOKEN_TYPE) throw new InvalidTokenError('typ is not at+jwt');
    if (header.kid !== this.key.kid) throw new InvalidTokenError('kid is not the hub key');
    const { exp, sub, jti, scope, agency_kind: kind, purpose_of_use: purpose } = claims;
    if (typeof exp !== 'number') throw new InvalidTokenError('exp is missing');
    if (typeof sub !== 'string' || sub.length === 0) throw new InvalidTokenError('sub is missing');
    if (typeof jti !== 'string' || jti.length === 0) throw new InvalidTokenError('jti is missing');
    if (typeof scope !== 'string') throw new InvalidTokenError('scope is missing');
    if (!AGENCY_KINDS.includes(kind as AgencyKind)) throw new InvalidTokenError('agency_kind is invalid');
    if (purpose !== undefined && !PURPOSES_OF_USE.includes(purpose as PurposeOfUse)) {
      throw new InvalidTokenError('purpose_of_use is invalid');
    }
    // Frozen: one cached context is shared by every request that carries the token.
    const scopes = Object.freeze(parseScopes(scope)) as AccessContext['scopes'];
    const context: AccessContext = { agency: sub, agencyKind: kind as AgencyKind, scopes, tokenId: jti };
    if (purpose !== undefined) context.purposeOfUse = purpose as PurposeOfUse;
    const practitioner = optionalString(claims.practitioner, 'practitioner');
    if (practitioner !== undefined) context.practitioner = practitioner;
    const reason = optionalString(claims.break_glass_reason, 'break_glass_reason');
    if (reason !== undefined) context.breakGlassReason = reason;
    return { context: Object.freeze(context), exp };
  }

  /**
   * Bounded: only verified tokens get in, and when full the expired ones at the front go first,
   * then the least recently used (a hit moves its entry to the back, so the front is the coldest).
   */
  private remember(key: string, context: AccessContext, liveUntilMs: number, now: number): void {
    if (this.cache.size >= this.cacheSize) {
      for (const [key, entry] of this.cache) {
        if (entry.liveUntilMs > now) break;
        this.cache.delete(key);
      }
      while (this.cache.size >= this.cacheSize) {
        const oldest = this.cache.keys().next();
        if (oldest.done) break;
        this.cache.delete(oldest.value);
      }
    }
    this.cache.set(key, { context, liveUntilMs });
  }

  /** How many verified tokens are remembered (for specs and metrics). */
  get cachedTokens(): number {
    return this.cache.size;
  }
}
