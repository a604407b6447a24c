import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { CLIENT_ASSERTION_TYPE } from './standards';
import type { ClientKey } from './client-key';
import type { RequestAuth } from '../fhir/fhir-endpoint';
import { discoverTokenEndpoint, type GetJson, getJson } from './smart-discovery';

/** How a token request is sent; injected so specs can answer without a server. */
export type PostForm = (url: string, form: URLSearchParams) => Promise<{ status: number; body: unknown }>;

/** A token server that hangs must not hang the connector. */
const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

export const postForm: PostForm = async (url, form) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: form,
    signal: AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_MS),
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

/**
 * A token endpoint refused the connector (4xx other than 408/429): a configuration problem (key
 * not registered, wrong client id, scopes not granted), not a passing fault, so never retried.
 */
export class TokenRefusedError extends Error {
  constructor(
    /** Which server refused: `hub` or `agency server`. */
    readonly server: string,
    readonly status: number,
    readonly error: string,
    hint?: string,
  ) {
    // The server is named by the request that failed (the cycle's health report says which).
    super(`token endpoint refused the connector: ${status} ${error}${hint ? `; ${hint}` : ''}`);
    this.name = 'TokenRefusedError';
  }
}

/** What a SMART Backend Services client needs to sign in to one server. */
export interface BackendServicesConfig {
  /** Names the server in errors: `hub` or `agency server`. */
  server: string;
  clientId: string;
  key: ClientKey;
  /** Space-separated scopes, e.g. `system/Patient.read system/Observation.read`. */
  scope: string;
  /** Where `.well-known/smart-configuration` is looked up: the server's base URL. */
  discoveryBase: string;
  /** The token endpoint when configured; otherwise discovered. */
  tokenUrl?: string;
  /** More form fields of the token request (the hub's purpose_of_use). */
  form?: Readonly<Record<string, string>>;
  /** Said after a refusal, e.g. where the key should be registered. */
  refusalHint?: string;
}

export interface BackendServicesOptions {
  /** Assertion lifetime; SMART Backend Services allows at most 300 s. */
  assertionLifetimeSeconds?: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
  post?: PostForm;
  get?: GetJson;
}

interface CachedToken {
  value: string;
  /** When to stop using it (ms): a little before the server's expiry. */
  refreshAt: number;
}

/**
 * SMART Backend Services client (SMART App Launch v2): finds the token endpoint in the server's
 * `.well-known/smart-configuration`, signs an RFC 7523 client assertion with the connector's
 * key (RS384 or ES384), exchanges it in a `client_credentials` grant, and keeps the access token
 * until shortly before it expires. One exchange at a time: callers waiting share it.
 */
export class BackendServicesClient {
  private cached?: CachedToken;
  private pending?: Promise<string>;
  private endpoint?: Promise<string>;
  private readonly now: () => number;
  private readonly post: PostForm;
  private readonly get: GetJson;
  private readonly lifetime: number;
  /** Token exchanges made, for the health report and the specs. */
  exchanges = 0;

  constructor(
    readonly settings: BackendServicesConfig,
    options: BackendServicesOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.post = options.post ?? postForm;
    this.get = options.get ?? getJson;
    this.lifetime = Math.min(options.assertionLifetimeSeconds ?? 120, 300);
    if (settings.tokenUrl !== undefined) this.endpoint = Promise.resolve(settings.tokenUrl);
  }

  /** The token endpoint: configured, or discovered once (a failed discovery is tried again next time). */
  tokenEndpoint(): Promise<string> {
    this.endpoint ??= discoverTokenEndpoint(this.settings.discoveryBase, this.settings, this.get).catch(
      (e: unknown) => {
        this.endpoint = undefined;
        throw e;
      },
    );
    return this.endpoint;
  }

  /** A valid access token, from the cache when it still has time left. */
  async token(): Promise<string> {
    if (this.cached && this.now() < this.cached.refreshAt) return this.cached.value;
    this.pending ??= this.exchange().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** Forgets a token the server refused (401), so the next call signs a new assertion. */
  invalidate(token?: string): void {
    if (token === undefined || this.cached?.value === token) this.cached = undefined;
  }

  /** RFC 7523 client assertion: iss = sub = client id, aud = the token URL, fresh jti, short exp. */
  assertion(audience: string): string {
    const { key, clientId } = this.settings;
    const nowSeconds = Math.floor(this.now() / 1000);
    return jwt.sign(
      {
        iss: clientId,
        sub: clientId,
        aud: audience,
        jti: randomUUID(),
        iat: nowSeconds,
        exp: nowSeconds + this.lifetime,
      },
      key.privateKey,
      { algorithm: key.alg, keyid: key.kid },
    );
  }

  private async exchange(): Promise<string> {
    const tokenUrl = await this.tokenEndpoint();
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.settings.scope,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: this.assertion(tokenUrl),
      ...this.settings.form,
    });
    const requestedAt = this.now();
    const { status, body } = await this.post(tokenUrl, form);
    this.exchanges++;
    const answer = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (status !== 200 || typeof answer.access_token !== 'string') {
      const error = typeof answer.error === 'string' ? answer.error.slice(0, 64) : 'unexpected answer';
      // 5xx, 429 and odd answers are passing faults: the caller's retry handles them.
      if (status >= 400 && status < 500 && status !== 429 && status !== 408)
        throw new TokenRefusedError(this.settings.server, status, error, this.settings.refusalHint);
      throw Object.assign(new Error(`${this.settings.server} token endpoint answered ${status}`), {
        response: { status },
      });
    }
    const expiresIn = typeof answer.expires_in === 'number' && answer.expires_in > 0 ? answer.expires_in : 60;
    // Renew a fifth of the lifetime early (at most 30 s), so a token never expires mid-request.
    const margin = Math.min(30, expiresIn / 5) * 1000;
    this.cached = { value: answer.access_token, refreshAt: requestedAt + expiresIn * 1000 - margin };
    return answer.access_token;
  }
}

/** Request auth from a token client: the cached access token, renewed once when the server answers 401. */
export function backendServicesAuth(tokens: BackendServicesClient): RequestAuth {
  return {
    headers: async () => ({ authorization: `Bearer ${await tokens.token()}` }),
    refused: (headers) => {
      tokens.invalidate(headers.authorization?.replace(/^Bearer /, ''));
      return true;
    },
  };
}
