import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CLIENT_ASSERTION_TYPE } from '@passerelle/identity';
import type { HubClientConfig } from '../connector-config';
import type { RequestAuth } from '../fhir/fhir-endpoint';

/** How a token request is sent; injected so specs can answer without a hub. */
export type PostForm = (url: string, form: URLSearchParams) => Promise<{ status: number; body: unknown }>;

export const postForm: PostForm = async (url, form) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form,
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: kept as text for the error message.
  }
  return { status: res.status, body };
};

/** The token endpoint refused the connector (4xx): a configuration problem, not a passing fault. */
export class HubAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
  ) {
    super(`hub token endpoint refused the connector: ${status} ${error}`);
    this.name = 'HubAuthError';
  }
}

export interface HubTokenOptions {
  /** Assertion lifetime; SMART Backend Services allows at most 300 s. */
  assertionLifetimeSeconds?: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
  post?: PostForm;
}

interface CachedToken {
  value: string;
  /** When to stop using it (ms): a little before the hub's expiry. */
  refreshAt: number;
}

/**
 * SMART Backend Services client: signs a client assertion with the agency's key, exchanges it
 * at `${hub}/auth/token`, and keeps the access token until shortly before it expires. One
 * request at a time: callers waiting for a token share the same exchange.
 */
export class HubTokenProvider {
  readonly tokenUrl: string;
  private cached?: CachedToken;
  private pending?: Promise<string>;
  private readonly now: () => number;
  private readonly post: PostForm;
  private readonly lifetime: number;
  /** Token exchanges made, for the health report and the specs. */
  exchanges = 0;

  constructor(
    private readonly config: HubClientConfig,
    options: HubTokenOptions = {},
  ) {
    this.tokenUrl = `${config.url}/auth/token`;
    this.now = options.now ?? Date.now;
    this.post = options.post ?? postForm;
    this.lifetime = Math.min(options.assertionLifetimeSeconds ?? 120, 300);
  }

  /** A valid access token, from the cache when it still has time left. */
  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.pending ??= this.exchange().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets a token the hub refused (401), so the next call signs a new assertion. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.value === token) this.cached = undefined;
  }

  /** RFC 7523 client assertion: iss = sub = client id, aud = the token URL, fresh jti, short exp. */
  assertion(): string {
    const { key, clientId } = this.config;
    const nowSeconds = Math.floor(this.now() / 1000);
    return jwt.sign(
      {
        iss: clientId,
        sub: clientId,
        aud: this.tokenUrl,
        jti: randomUUID(),
        iat: nowSeconds,
        exp: nowSeconds + this.lifetime,
      },
      key.privateKey,
      { algorithm: key.alg, keyid: key.kid },
    );
  }

  private async exchange(): Promise<string> {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.config.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: this.assertion(),
      purpose_of_use: this.config.purposeOfUse,
    });
    const requestedAt = this.now();
    const { status, body } = await this.post(this.tokenUrl, form);
    this.exchanges++;
    const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (status !== 200 || typeof answer.access_token !== 'string') {
      const error = typeof answer.error === 'string' ? answer.error : `unexpected answer`;
      // 5xx, 429 and odd answers are passing faults: the caller's retry handles them.
      if (status >= 400 && status < 500 && status !== 429 && status !== 408)
        throw new HubAuthError(status, error);
      throw Object.assign(new Error(`hub token endpoint answered ${status}`), { response: { status } });
    }
    const expiresIn = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
    // Renew a fifth of the lifetime early (at most 30 s), so a token never expires mid-request.
    const margin = Math.min(30, expiresIn / 5) * 1000;
    this.cached = { value: answer.access_token, refreshAt: requestedAt + expiresIn * 1000 - margin };
    return answer.access_token;
  }
}

/** Request auth for the hub: the cached access token, renewed once when the hub answers 401. */
export function hubRequestAuth(tokens: HubTokenProvider): RequestAuth {
  return {
    headers: async () => ({ authorization: `Bearer ${await tokens.token()}` }),
    refused: (headers) => {
      tokens.invalidate(headers.authorization?.replace(/^Bearer /, ''));
      return true;
    },
  };
}
