import { randomBytes } from 'node:crypto';
import {
  type AssertionClient,
  allows,
  CLIENT_ALGORITHMS,
  CLIENT_ASSERTION_TYPE,
  CLIENT_CREDENTIALS,
  formatScope,
  intersectScopes,
  invalidClient,
  invalidRequest,
  invalidScope,
  isOAuthError,
  type Jwks,
  type OAuthErrorBody,
  parseScope,
  parseScopes,
  type Permission,
  type Scope,
  unsupportedGrantType,
  verifyClientAssertion,
} from '@passerelle/identity';
import { isSupportedType } from '@passerelle/fhir';

/** A backend client the agency's server knows: its id and the public keys it registered. */
export interface SmartClient {
  id: string;
  jwks: Jwks;
  /** What it may be granted (SMART v1 or v2 system scopes); default every type, every permission. */
  scopes?: string[];
}

export interface SmartBackendOptions {
  /** Access token lifetime; default 300 s, as most EHRs. */
  tokenLifetimeSeconds?: number;
  clockToleranceSeconds?: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
}

/** What the token endpoint answers: RFC 6749 JSON, a token or an error. */
export interface TokenAnswer {
  status: number;
  body: Record<string, unknown> | OAuthErrorBody;
}

interface IssuedToken {
  clientId: string;
  scopes: Scope[];
  expiresAt: number;
}

/** Where the token endpoint sits on an agency server. */
export const SANDBOX_TOKEN_PATH = '/auth/token';

/**
 * SMART Backend Services as an EHR runs it (Epic, Oracle Health): a SMART configuration, a token
 * endpoint that authenticates a client by its signed assertion (checked by the hub's own
 * verifier, `verifyClientAssertion` of @passerelle/identity: allowlisted algorithm, registered
 * kid, signature, iss/sub/aud/exp/jti), refuses a replayed `jti`, grants the requested scopes the
 * client may have, and answers an opaque bearer token that the FHIR API then requires. Tokens
 * and used jti live in memory, as the sandbox's data does.
 */
export class SmartBackendServer {
  private readonly clients: Map<string, AssertionClient & { scopes: Scope[] }>;
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly usedJti = new Map<string, number>();
  private readonly now: () => number;
  private readonly lifetime: number;
  private readonly tolerance: number;
  /** Tokens issued, for specs and the e2e (a connector caches its token). */
  issued = 0;

  constructor(clients: readonly SmartClient[], options: SmartBackendOptions = {}) {
    this.clients = new Map(
      clients.map((c) => [
        c.id,
        {
          id: c.id,
          status: 'active' as const,
          jwks: c.jwks,
          scopes: (c.scopes ?? ['system/*.*']).flatMap((s) => parseScope(s) ?? []),
        },
      ]),
    );
    this.now = options.now ?? Date.now;
    this.lifetime = options.tokenLifetimeSeconds ?? 300;
    this.tolerance = options.clockToleranceSeconds ?? 30;
  }

  /** `.well-known/smart-configuration`, for a server whose token endpoint is `tokenUrl`. */
  configuration(tokenUrl: string): Record<string, unknown> {
    return {
      token_endpoint: tokenUrl,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ALGORITHMS],
      grant_types_supported: [CLIENT_CREDENTIALS],
      scopes_supported: ['system/*.read', 'system/*.write', 'system/*.rs', 'system/*.cruds'],
      capabilities: ['client-confidential-asymmetric'],
    };
  }

  /** The token endpoint: `form` is the parsed form body, `tokenUrl` the audience assertions must name. */
  async token(form: Readonly<Record<string, unknown>>, tokenUrl: string): Promise<TokenAnswer> {
    try {
      return { status: 200, body: await this.grant(form, tokenUrl) };
    } catch (e) {
      if (isOAuthError(e)) return { status: e.status, body: e.body };
      throw e;
    }
  }

  private async grant(
    form: Readonly<Record<string, unknown>>,
    tokenUrl: string,
  ): Promise<Record<string, unknown>> {
    const field = (name: string) => {
      const value = form[name];
      return typeof value === 'string' ? value : undefined;
    };
    if (field('grant_type') !== CLIENT_CREDENTIALS) throw unsupportedGrantType('grant_type');
    if (field('client_assertion_type') !== CLIENT_ASSERTION_TYPE) {
      throw invalidRequest('client_assertion_type is not jwt-bearer');
    }
    const assertion = field('client_assertion');
    const scope = field('scope');
    if (assertion === undefined) throw invalidRequest('client_assertion is missing');
    if (scope === undefined || scope.trim() === '') throw invalidRequest('scope is missing');
    const {
      agency: client,
      jti,
      exp,
    } = await verifyClientAssertion(assertion, {
      findAgency: (id) => Promise.resolve(this.clients.get(id)),
      tokenUrl,
      clockToleranceSeconds: this.tolerance,
      now: this.now,
    });
    if (!this.claimJti(client.id, jti, (exp + this.tolerance) * 1000)) {
      throw invalidClient('jti has already been used', client.id);
    }
    const granted = intersectScopes(parseScopes(scope), client.scopes);
    if (granted.length === 0) throw invalidScope('no requested scope is allowed', client.id);
    const accessToken = randomBytes(32).toString('base64url');
    this.tokens.set(accessToken, {
      clientId: client.id,
      scopes: granted,
      expiresAt: this.now() + this.lifetime * 1000,
    });
    this.issued++;
    return {
      access_token: accessToken,
      token_type: 'bearer',
      expires_in: this.lifetime,
      scope: granted.map(formatScope).join(' '),
    };
  }

  /** False for a jti this client already used while its assertion could still be valid. */
  private claimJti(clientId: string, jti: string, until: number): boolean {
    const now = this.now();
    for (const [key, expiry] of this.usedJti) if (expiry <= now) this.usedJti.delete(key);
    const key = `${clientId}\u0000${jti}`;
    if (this.usedJti.has(key)) return false;
    this.usedJti.set(key, until);
    return true;
  }

  /**
   * What the bearer token in `authorization` may do: `unauthorized` without a live token of
   * ours, `forbidden` when its scopes do not cover every (type, permission) the request needs.
   */
  check(authorization: string | undefined, needs: readonly Need[]): 'ok' | 'unauthorized' | 'forbidden' {
    const match = /^bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    const issued = match ? this.tokens.get(match[1]) : undefined;
    if (issued === undefined) return 'unauthorized';
    if (issued.expiresAt <= this.now()) {
      this.tokens.delete(match![1]);
      return 'unauthorized';
    }
    return needs.every((n) => permits(issued.scopes, n)) ? 'ok' : 'forbidden';
  }
}

/** A permission a request needs on a type (`*`: the whole server, e.g. a system search). */
export interface Need {
  type: string;
  permission: Permission;
}

function permits(scopes: readonly Scope[], need: Need): boolean {
  if (need.type === '*') return scopes.some((s) => s.type === '*' && s.permissions.has(need.permission));
  return isSupportedType(need.type) && allows(scopes, need.type, need.permission);
}

/**
 * The permissions a FHIR request needs, from its method and path (below the FHIR base), and for
 * a batch or transaction from each entry's request: read and search, create, update, delete.
 */
export function needsOf(method: string, path: string, body: unknown): Need[] {
  const [type = '', second] = path.split('/').filter(Boolean);
  if (type === '') {
    if (method === 'POST') return bundleNeeds(body);
    return [{ type: '*', permission: 's' }];
  }
  if (type.startsWith('$') || type.startsWith('_'))
    return [{ type: '*', permission: method === 'GET' ? 's' : 'u' }];
  switch (method) {
    case 'GET':
      return [{ type, permission: second === undefined ? 's' : 'r' }];
    case 'POST':
      return [{ type, permission: second === '_search' ? 's' : 'c' }];
    case 'PUT':
    case 'PATCH':
      return [{ type, permission: 'u' }];
    case 'DELETE':
      return [{ type, permission: 'd' }];
    default:
      return [{ type: '*', permission: 'u' }];
  }
}

function bundleNeeds(body: unknown): Need[] {
  const entries = (body as { entry?: unknown } | undefined)?.entry;
  if (!Array.isArray(entries)) return [{ type: '*', permission: 'u' }];
  return entries.flatMap((entry: { request?: { method?: unknown; url?: unknown } }) => {
    const method = typeof entry?.request?.method === 'string' ? entry.request.method : '';
    const url = typeof entry?.request?.url === 'string' ? entry.request.url : '';
    const path = url.split('?')[0];
    // A conditional write names its type only (`Patient?identifier=...`).
    return needsOf(method, path === '' ? '*' : path, undefined);
  });
}
