import type { EnvReader } from './env';

/**
 * Optional OpenID Connect login for the pages (e.g. Pro Santé Connect, NHS CIS2): the hub is a
 * confidential client using the authorization code flow with PKCE. Unset OIDC_ISSUER: local
 * accounts only.
 *
 * | variable | meaning |
 * | --- | --- |
 * | OIDC_ISSUER | the provider's issuer URL (https; http only on 127.0.0.1 or localhost, for tests) |
 * | OIDC_CLIENT_ID, OIDC_CLIENT_SECRET | the hub's client at the provider (secret) |
 * | OIDC_LABEL | the login button's text, e.g. "Pro Santé Connect" |
 *
 * The provider redirects back to `<PUBLIC_BASE_URL>/login/oidc/callback`.
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  /** secret */
  clientSecret: string;
  label: string;
}

export function readOidc(r: EnvReader): OidcConfig | undefined {
  const issuer = r.url('OIDC_ISSUER', ['https:', 'http:']);
  if (issuer === undefined) return undefined;
  const host = new URL(issuer).hostname;
  if (new URL(issuer).protocol === 'http:' && host !== '127.0.0.1' && host !== 'localhost') {
    r.problems.push('OIDC_ISSUER must use https (http only for a provider on 127.0.0.1 or localhost)');
  }
  const clientId = r.optionalString('OIDC_CLIENT_ID');
  const clientSecret = r.optionalString('OIDC_CLIENT_SECRET');
  if (!clientId) r.problems.push('OIDC_CLIENT_ID is required with OIDC_ISSUER');
  if (!clientSecret) r.problems.push('OIDC_CLIENT_SECRET is required with OIDC_ISSUER');
  return {
    issuer: issuer.replace(/\/+$/, ''),
    clientId: clientId ?? '',
    clientSecret: clientSecret ?? '',
    label: r.string('OIDC_LABEL', 'OpenID Connect'),
  };
}
