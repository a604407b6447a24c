import { Logger } from '@nestjs/common';
import type { Agency } from '../agency/agency.types';
import { PURPOSES_OF_USE, type PurposeOfUse } from './access-context';
import type { AccessTokenService } from './access-token';
import { CLIENT_ASSERTION_TYPE, verifyClientAssertion } from './client-assertion';
import type { JtiStore } from './jti-store';
import {
  invalidClient,
  invalidRequest,
  invalidScope,
  isOAuthError,
  unsupportedGrantType,
} from './oauth-error';
import type { TokenUse } from './token-use';
import { formatScope, intersectScopes, parseScope, parseScopes } from './scopes';

export const CLIENT_CREDENTIALS = 'client_credentials';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
export const MAX_PRACTITIONER_LENGTH = 200;
export const MAX_BREAK_GLASS_REASON_LENGTH = 500;

const FIELDS = [
  'grant_type',
  'client_assertion_type',
  'client_assertion',
  'client_id',
  'scope',
  'purpose_of_use',
  'practitioner',
  'break_glass_reason',
] as const;
/** The token request's parameters this endpoint reads; others are ignored (RFC 6749 §3.2). */
export type TokenForm = Partial<Record<(typeof FIELDS)[number], string>>;

/** A successful answer (RFC 6749 §5.1). No refresh token: a client signs a new assertion. */
export interface TokenResponse {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
  scope: string;
}

/** Why the data is wanted and by whom: carried by the token into consent and audit. */
export interface UseContext {
  purposeOfUse?: PurposeOfUse;
  practitioner?: string;
  breakGlassReason?: string;
}

export interface TokenServiceOptions {
  /** `${publicBaseUrl}/auth/token`: the only audience an assertion may name. */
  tokenUrl: string;
  clockToleranceSeconds: number;
  /** Milliseconds since the epoch (injected so specs can move the clock). */
  now?: () => number;
  /** Told of each token issued, so the operator's overview shows each agency's last token. */
  tokenUse?: Pick<TokenUse, 'issued'>;
}

/** Reads a parsed form body: each parameter a string, present at most once. */
export function readTokenForm(body: unknown): TokenForm {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidRequest('body is not a form');
  }
  const fields = body as Record<string, unknown>;
  const form: TokenForm = {};
  for (const name of FIELDS) {
    if (!Object.prototype.hasOwnProperty.call(fields, name)) continue;
    const value = fields[name];
    if (typeof value !== 'string') throw invalidRequest(`${name} is repeated or not text`);
    // An empty field is an absent one, as HTML forms send them.
    if (value !== '') form[name] = value;
  }
  return form;
}

/** Control characters would forge log lines and mangle letters; a reason may span lines. */
function hasControlCharacters(text: string, allowLineBreaks: boolean): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 || c === 0x7f) && !(allowLineBreaks && (c === 0x09 || c === 0x0a || c === 0x0d)))
      return true;
  }
  return false;
}

/**
 * purpose_of_use, practitioner and break_glass_reason, each from the assertion when it carries
 * the claim (signed by the client), else from the form. ETREAT (break-glass) needs a reason, and
 * a reason means nothing without ETREAT.
 */
export function resolveUseContext(claims: Readonly<Record<string, unknown>>, form: TokenForm): UseContext {
  const pick = (name: 'purpose_of_use' | 'practitioner' | 'break_glass_reason'): unknown =>
    claims[name] !== undefined && claims[name] !== '' ? claims[name] : form[name];
  const purpose = pick('purpose_of_use');
  const practitioner = pick('practitioner');
  const reason = pick('break_glass_reason');
  const context: UseContext = {};
  if (purpose !== undefined) {
    if (!PURPOSES_OF_USE.includes(purpose as PurposeOfUse)) {
      throw invalidRequest('purpose_of_use is not a known code');
    }
    context.purposeOfUse = purpose as PurposeOfUse;
  }
  if (practitioner !== undefined) {
    if (
      typeof practitioner !== 'string' ||
      practitioner.trim() === '' ||
      hasControlCharacters(practitioner, false)
    ) {
      throw invalidRequest('practitioner is not a single line of text');
    }
    if (practitioner.length > MAX_PRACTITIONER_LENGTH) throw invalidRequest('practitioner is too long');
    context.practitioner = practitioner;
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string' || hasControlCharacters(reason, true)) {
      throw invalidRequest('break_glass_reason is not text');
    }
    if (reason.length > MAX_BREAK_GLASS_REASON_LENGTH) throw invalidRequest('break_glass_reason is too long');
    if (context.purposeOfUse !== 'ETREAT') throw invalidRequest('break_glass_reason is given without ETREAT');
    if (reason.trim() !== '') context.breakGlassReason = reason;
  }
  if (context.purposeOfUse === 'ETREAT' && context.breakGlassReason === undefined) {
    throw invalidRequest('ETREAT needs a break_glass_reason');
  }
  return context;
}

/** True for `application/x-www-form-urlencoded`, with or without parameters such as charset. */
export function isFormContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0].trim().toLowerCase() === FORM_CONTENT_TYPE;
}

/**
 * The SMART Backend Services token endpoint: a client credentials grant authenticated by a
 * signed client assertion (private_key_jwt), answered with a short-lived hub access token.
 */
export class TokenService {
  private readonly logger = new Logger('TokenService');
  private readonly now: () => number;

  constructor(
    private readonly agencies: { find(id: string): Promise<Agency | undefined> },
    private readonly jtis: JtiStore,
    private readonly tokens: AccessTokenService,
    private readonly options: TokenServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Throws OAuthError (logged here with its precise reason) when the request is refused. */
  async exchange(request: { contentType?: string; body: unknown }): Promise<TokenResponse> {
    try {
      return await this.exchangeOrThrow(request);
    } catch (e) {
      if (isOAuthError(e)) {
        const client = e.clientId === undefined ? '' : ` (client ${e.clientId})`;
        this.logger.warn(`token request refused: ${e.error}: ${e.reason}${client}`);
      }
      throw e;
    }
  }

  private async exchangeOrThrow(request: { contentType?: string; body: unknown }): Promise<TokenResponse> {
    if (!isFormContentType(request.contentType)) {
      throw invalidRequest(`content type is not ${FORM_CONTENT_TYPE}`);
    }
    const form = readTokenForm(request.body);
    if (form.grant_type === undefined) throw invalidRequest('grant_type is missing');
    if (form.grant_type !== CLIENT_CREDENTIALS) {
      throw unsupportedGrantType('grant_type is not client_credentials');
    }
    if (form.client_assertion_type !== CLIENT_ASSERTION_TYPE) {
      throw invalidRequest('client_assertion_type is not jwt-bearer');
    }
    if (form.client_assertion === undefined) throw invalidRequest('client_assertion is missing');
    if (form.scope === undefined || form.scope.trim() === '') throw invalidRequest('scope is missing');

    const { agency, jti, exp, claims } = await verifyClientAssertion(form.client_assertion, {
      findAgency: (id) => this.agencies.find(id),
      tokenUrl: this.options.tokenUrl,
      clockToleranceSeconds: this.options.clockToleranceSeconds,
      now: this.now,
    });
    if (form.client_id !== undefined && form.client_id !== agency.id) {
      throw invalidClient('client_id differs from the assertion issuer', agency.id);
    }
    // The assertion is spent as soon as it has authenticated a request, whatever follows.
    const expiresAt = new Date((exp + this.options.clockToleranceSeconds) * 1000);
    if (!(await this.jtis.claim(agency.id, jti, expiresAt))) {
      throw invalidClient('jti has already been used', agency.id);
    }

    let use: UseContext;
    try {
      use = resolveUseContext(claims, form);
    } catch (e) {
      throw isOAuthError(e) ? invalidRequest(e.reason, agency.id) : e;
    }
    const allowed = agency.scopes.flatMap((s) => parseScope(s) ?? []);
    const granted = intersectScopes(parseScopes(form.scope), allowed);
    if (granted.length === 0) throw invalidScope('no requested scope is allowed to this agency', agency.id);

    const issued = this.tokens.issue({ agency: agency.id, agencyKind: agency.kind, scopes: granted, ...use });
    await this.options.tokenUse?.issued(agency.id, new Date(this.now()));
    const scope = granted.map(formatScope).join(' ');
    const purpose = use.purposeOfUse ?? 'no purpose of use';
    this.logger.log(`access token ${issued.context.tokenId} issued to ${agency.id}: ${scope}; ${purpose}`);
    return { access_token: issued.token, token_type: 'bearer', expires_in: issued.expiresIn, scope };
  }
}
