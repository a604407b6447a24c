import type { Server } from 'node:http';
import { createServer } from 'node:net';
import {
  registerAgency,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
  auditCaughtUp,
} from '@passerelle/testing';
import type { Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';

/** oidc-provider is ESM-only and SWC turns `import()` into `require()`: a Function it does not rewrite. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // ${Math.random()}`) as (
  s: string,
) => Promise<unknown>;

interface OidcProvider {
  listen(port: number, host: string): Server;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const CLIENT_SECRET = 'a-client-secret-for-the-test-provider-0123456789';

/**
 * OpenID Connect login against a real provider (oidc-provider) started here: the provider's
 * login, then the hub's session for the account bound to the subject; an unbound subject gets
 * nothing.
 */
describe('pages: OpenID Connect login (Chromium, PGlite)', () => {
  let hub: TestHub;
  let provider: Server;
  let browser: TestBrowser;
  let issuer: string;

  beforeAll(async () => {
    const [providerPort, hubPort] = [await freePort(), await freePort()];
    issuer = `http://127.0.0.1:${providerPort}`;
    const { default: Provider } = (await importEsm('oidc-provider')) as { default: ProviderClass };
    provider = new Provider(issuer, {
      clients: [
        {
          client_id: 'passerelle',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`http://127.0.0.1:${hubPort}/login/oidc/callback`],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      findAccount: (_ctx: unknown, id: string) => ({ accountId: id, claims: () => ({ sub: id }) }),
      cookies: { keys: ['test-provider-cookie-key'] },
      ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 300, IdToken: 300 },
    }).listen(providerPort, '127.0.0.1');
    hub = await startTestHub('pglite', {
      port: hubPort,
      env: {
        PUBLIC_BASE_URL: `http://127.0.0.1:${hubPort}`,
        OIDC_ISSUER: issuer,
        OIDC_CLIENT_ID: 'passerelle',
        OIDC_CLIENT_SECRET: CLIENT_SECRET,
        OIDC_LABEL: 'Test IdP',
      },
    });
    await registerAgency(hub, { id: 'cabinet', kind: 'gp' });
    const created = await fetch(`${hub.url}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        kind: 'clinician',
        username: 'dr.oidc',
        displayName: 'Dr Olivier Idc',
        password: 'a long enough local passphrase',
        agency: 'cabinet',
        practitioner: 'https://rpps.esante.gouv.fr|40404040404',
      }),
    });
    expect(created.status).toBe(201);
    const bound = await fetch(`${hub.url}/admin/accounts/dr.oidc`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ oidcSubject: `${issuer}|clinician-4040` }),
    });
    expect(bound.status).toBe(200);
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
    await new Promise((r) => provider?.close(r));
  });

  /** The audit trail's records of one operation (AuditEvent.subtype), oldest first. */
  const audited = async (operation: string) => {
    await auditCaughtUp(hub.app.get(DataSource));
    return hub.app.get(DataSource).query<{ agency: string; outcome: string; content: string }[]>(
      `SELECT agency, outcome, content::text AS content FROM audit_trail
          WHERE content->'subtype' @> $1::jsonb ORDER BY seq`,
      [JSON.stringify([{ code: operation }])],
    );
  };

  const viaProvider = async (login: string): Promise<Page> => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${hub.url}/login`);
    await page.getByRole('link', { name: 'Log in with Test IdP' }).click();
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((url) => url.port === new URL(hub.url).port);
    return page;
  };

  it('logs in through the provider as the account bound to the subject', async () => {
    const login = await (await browser.context()).newPage();
    await login.goto(`${hub.url}/login`);
    expect(await accessibilityProblems(login)).toEqual([]);
    await screenshot(login, 'login-oidc');
    const page = await viaProvider('clinician-4040');
    expect(new URL(page.url()).pathname).toBe('/clinician');
    expect(await page.getByText('Signed in as').textContent()).toContain('Dr Olivier Idc');
    const cookie = (await page.context().cookies()).find((c) => c.name === 'passerelle_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    // Audited as an OpenID Connect login of the account, for its agency, without any secret.
    const [record] = await audited('login');
    expect(record).toMatchObject({ agency: 'cabinet', outcome: '0' });
    expect(record.content).toContain('account:dr.oidc');
    expect(record.content).toContain('"oidc"');
    expect(record.content).not.toContain(CLIENT_SECRET);
    expect(record.content).not.toContain(cookie?.value);
  });

  it('gives a subject bound to no account no session', async () => {
    const page = await viaProvider('someone-else');
    expect(new URL(page.url()).pathname).toBe('/login/oidc/callback');
    expect(await page.getByRole('alert').textContent()).toContain('not linked to an account');
    expect((await page.context().cookies()).some((c) => c.name === 'passerelle_session')).toBe(false);
    const failed = await audited('login-failed');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[failed.length - 1]).toMatchObject({ agency: 'hub', outcome: '4' });
    expect(failed.map((r) => r.content).join()).not.toContain('someone-else');
  });

  it('refuses a callback without the login it started (no cookie, forged state)', async () => {
    const page = await (await browser.context()).newPage();
    const response = await page.goto(`${hub.url}/login/oidc/callback?code=forged&state=forged`);
    expect(response?.status()).toBe(401);
    expect((await page.context().cookies()).some((c) => c.name === 'passerelle_session')).toBe(false);
  });
});
