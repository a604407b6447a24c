import { Inject, Injectable } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig, type OidcConfig } from '@passerelle/config';
import type * as OpenIdClientModule from 'openid-client' with { 'resolution-mode': 'import' };
import type { Configuration } from 'openid-client' with { 'resolution-mode': 'import' };

/**
 * openid-client is ESM-only; the hub is CommonJS (and jest turns `import()` into `require`). The
 * Function's source is unique per module instance: V8 reuses a compiled Function of the same
 * source, with the dynamic-import host of whichever jest test file compiled it first, and jest
 * tears that one down when its file ends (see libs/letters/src/page-image.ts).
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // oidc-login ${Math.random()}`) as (
  s: string,
) => Promise<unknown>;
type OpenIdClient = typeof OpenIdClientModule;

/** What the browser keeps between the redirect to the provider and the callback (a cookie). */
export interface PendingLogin {
  verifier: string;
  state: string;
  nonce: string;
  next: string;
}

/**
 * The pages' OpenID Connect login (authorization code flow with PKCE, state and nonce), through
 * openid-client: the provider's metadata is discovered once, at the first login.
 */
@Injectable()
export class OidcLogin {
  private readonly oidc?: OidcConfig;
  private readonly redirectUri: string;
  private setup?: Promise<{ client: OpenIdClient; configuration: Configuration }>;

  constructor(@Inject(HUB_CONFIG) config: HubConfig) {
    this.oidc = config.oidc;
    this.redirectUri = `${config.http.publicBaseUrl}/login/oidc/callback`;
  }

  /** The login button's text, when OpenID Connect is configured. */
  get label(): string | undefined {
    return this.oidc?.label;
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async start(next: string): Promise<{ url: string; pending: PendingLogin }> {
    const { client, configuration } = await this.ready();
    const verifier = client.randomPKCECodeVerifier();
    const pending = { verifier, state: client.randomState(), nonce: client.randomNonce(), next };
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    });
    return { url: url.href, pending };
  }

  /** The callback: the code exchanged and the ID token checked; the subject as accounts bind it, `issuer|sub`. */
  async finish(callbackPathAndQuery: string, pending: PendingLogin): Promise<string> {
    const { client, configuration } = await this.ready();
    const current = new URL(callbackPathAndQuery, this.redirectUri);
    const tokens = await client.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
    });
    const claims = tokens.claims();
    if (!claims?.sub) throw new Error('the ID token names no subject');
    return `${configuration.serverMetadata().issuer.replace(/\/+$/, '')}|${claims.sub}`;
  }

  private ready() {
    const oidc = this.oidc;
    if (!oidc) throw new Error('OpenID Connect is not configured');
    this.setup ??= (async () => {
      const client = (await importEsm('openid-client')) as OpenIdClient;
      const insecure = new URL(oidc.issuer).protocol === 'http:';
      const configuration = await client.discovery(
        new URL(oidc.issuer),
        oidc.clientId,
        oidc.clientSecret,
        undefined,
        // http only for a provider on this machine (readOidc refuses any other).
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      return { client, configuration };
    })().catch((e: unknown) => {
      this.setup = undefined;
      throw e;
    });
    return this.setup;
  }
}
