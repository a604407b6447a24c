/** The RFC 6749 §5.2 error codes the token endpoint answers. */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

/** What a refused token request receives: RFC 6749 §5.2, not an OperationOutcome. */
export interface OAuthErrorBody {
  error: OAuthErrorCode;
  error_description: string;
}

/**
 * Generic on purpose: a caller learns which kind of failure it was, never which check failed
 * (that would guide someone forging assertions). The precise reason is logged.
 */
const DESCRIPTIONS: Record<OAuthErrorCode, string> = {
  invalid_request: 'The token request is malformed or carries an invalid parameter',
  invalid_client: 'Client authentication failed',
  unsupported_grant_type: 'Only the client_credentials grant is supported',
  invalid_scope: 'None of the requested scopes can be granted to this client',
};

/** A refused token request. `reason` is for the log only; it never holds token contents. */
export class OAuthError extends Error {
  readonly status: 400 | 401;

  constructor(
    readonly error: OAuthErrorCode,
    readonly reason: string,
    /** The client, once the hub knows it exists (so the log never echoes an arbitrary string). */
    readonly clientId?: string,
  ) {
    super(`${error}: ${reason}`);
    this.name = 'OAuthError';
    this.status = error === 'invalid_client' ? 401 : 400;
  }

  get body(): OAuthErrorBody {
    return { error: this.error, error_description: DESCRIPTIONS[this.error] };
  }
}

export const invalidRequest = (reason: string, clientId?: string) =>
  new OAuthError('invalid_request', reason, clientId);
export const invalidClient = (reason: string, clientId?: string) =>
  new OAuthError('invalid_client', reason, clientId);
export const invalidScope = (reason: string, clientId?: string) =>
  new OAuthError('invalid_scope', reason, clientId);
export const unsupportedGrantType = (reason: string) => new OAuthError('unsupported_grant_type', reason);

export function isOAuthError(e: unknown): e is OAuthError {
  return e instanceof OAuthError;
}
