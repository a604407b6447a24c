import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { createPagesWorld, PASSWORD, type PagesWorld } from './pages-fixtures';
import { auditCaughtUp } from '@passerelle/testing';

/** Home, login, logout, lockout, CSRF and session expiry, in Chromium, on the embedded default. */
describe('pages: home and login (Chromium, PGlite)', () => {
  let world: PagesWorld;
  let browser: TestBrowser;

  beforeAll(async () => {
    world = await createPagesWorld();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  /** The audit trail's records of one operation (AuditEvent.subtype), oldest first. */
  const audited = async (operation: string) => {
    await auditCaughtUp(world.db);
    return world.db.query<{ agency: string; outcome: string; content: string }[]>(
      `SELECT agency, outcome, content::text AS content FROM audit_trail
        WHERE content->'subtype' @> $1::jsonb ORDER BY seq`,
      [JSON.stringify([{ code: operation }])],
    );
  };

  const logIn = async (page: Page, username: string, password = PASSWORD) => {
    await page.goto(`${world.hub.url}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
  };

  it('shows what the hub is, a login, the developer links and the hub’s health, accessibly', async () => {
    const page = await (await browser.context()).newPage();
    const response = await page.goto(`${world.hub.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Passerelle');
    expect(await page.getByRole('link', { name: /FHIR R4 API/ }).getAttribute('href')).toBe('/fhir/metadata');
    expect(await page.getByRole('link', { name: /Admin API documentation/ }).getAttribute('href')).toBe(
      '/admin/docs',
    );
    expect(await page.getByRole('status').textContent()).toContain('the database answers');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'home');
    // Keyboard: the first Tab reaches the skip link, which leads to the main content.
    await page.keyboard.press('Tab');
    expect(await page.locator(':focus').getAttribute('href')).toBe('#main');
  });

  it('speaks French to a French browser, and keeps the language the visitor chooses', async () => {
    const page = await (await browser.context({ locale: 'fr-FR' })).newPage();
    await page.goto(`${world.hub.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('fr');
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('plateforme');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByRole('link', { name: 'English' }).click();
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await page.goto(`${world.hub.url}/login`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
  });

  it('leaves the FHIR API and the admin API as they were', async () => {
    const metadata = await fetch(`${world.hub.fhir}/metadata`);
    expect(metadata.headers.get('content-type')).toContain('application/fhir+json');
    expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');
    const unknown = await fetch(`${world.hub.fhir}/Patient`);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
    const admin = await fetch(`${world.hub.url}/admin/agencies`);
    expect(admin.status).toBe(401);
    expect(((await admin.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
  });

  it('logs in, keeps the session in the database as a hash, logs out', async () => {
    const context = await browser.context();
    const page = await context.newPage();
    await page.goto(`${world.hub.url}/login`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'login');
    await logIn(page, 'ops');
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.getByText('Signed in as').textContent()).toContain('Olivia Operator');
    const cookie = (await context.cookies()).find((c) => c.name === 'passerelle_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const rows = await world.db.query<{ id: string }[]>(
      `SELECT s.id FROM web_session s JOIN account a ON a.id = s.account_id WHERE a.username = 'ops'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].id).not.toBe(cookie?.value);
    // An operator is not a clinician: the clinician's page is refused.
    const refused = await page.goto(`${world.hub.url}/clinician`);
    expect(refused?.status()).toBe(403);
    await page.goto(`${world.hub.url}/`);
    await page.getByRole('button', { name: 'Log out' }).click();
    expect(await page.getByRole('status').textContent()).toContain('logged out');
    expect(
      await world.db.query(
        `SELECT s.id FROM web_session s JOIN account a ON a.id = s.account_id WHERE a.username = 'ops'`,
      ),
    ).toEqual([]);
    // Both are in the audit trail, naming the account, with neither the password nor the cookie.
    const [login] = (await audited('login')).filter((r) => r.content.includes('account:ops'));
    expect(login).toMatchObject({ agency: 'hub', outcome: '0' });
    expect(login.content).toContain('"password"');
    const [logout] = (await audited('logout')).filter((r) => r.content.includes('account:ops'));
    expect(logout).toMatchObject({ agency: 'hub', outcome: '0' });
    for (const record of [login, logout]) {
      expect(record.content).not.toContain(PASSWORD);
      expect(record.content).not.toContain(cookie?.value);
    }
  });

  it('refuses a wrong password, then locks the account after five failures', async () => {
    const page = await (await browser.context()).newPage();
    await logIn(page, 'dr.locked', 'not the password');
    expect(await page.getByRole('alert').textContent()).toContain('username or the password is wrong');
    for (let i = 0; i < 4; i++) await logIn(page, 'dr.locked', 'not the password');
    expect(await page.getByRole('alert').textContent()).toContain('locked');
    await logIn(page, 'dr.locked', PASSWORD);
    expect(await page.getByRole('alert').textContent()).toContain('locked');
    const [row] = await world.db.query<{ locked_until: Date | null }[]>(
      `SELECT locked_until FROM account WHERE username = 'dr.locked'`,
    );
    expect(row.locked_until).not.toBeNull();
    expect(
      await world.db.query(
        `SELECT 1 FROM web_session s JOIN account a ON a.id = s.account_id WHERE a.username = 'dr.locked'`,
      ),
    ).toEqual([]);
    // Audited: four failures, the fifth that locked, the refusal while locked; the clinician's
    // agency named; no password, right or wrong.
    const mine = async (operation: string) =>
      (await audited(operation)).filter((r) => r.content.includes('account:dr.locked'));
    expect(await mine('login-failed')).toHaveLength(4);
    expect(await mine('lockout')).toHaveLength(1);
    expect(await mine('login-locked')).toHaveLength(1);
    expect(await mine('login')).toEqual([]);
    for (const record of [
      ...(await mine('login-failed')),
      ...(await mine('lockout')),
      ...(await mine('login-locked')),
    ]) {
      expect(record).toMatchObject({ agency: 'cabinet', outcome: '4' });
      expect(record.content).not.toContain('not the password');
      expect(record.content).not.toContain(PASSWORD);
    }
  });

  it('audits a failed login for no account without what was typed as the username', async () => {
    const page = await (await browser.context()).newPage();
    const before = (await audited('login-failed')).length;
    await logIn(page, 'typed-my-password-here', 'not the password');
    expect(await page.getByRole('alert').textContent()).toContain('username or the password is wrong');
    const records = await audited('login-failed');
    expect(records).toHaveLength(before + 1);
    const record = records[records.length - 1];
    expect(record).toMatchObject({ agency: 'hub', outcome: '4' });
    expect(record.content).not.toContain('typed-my-password-here');
    expect(record.content).not.toContain('not the password');
  });

  it('refuses a login or a logout without its CSRF token', async () => {
    const context = await browser.context();
    const noCookie = await context.request.post(`${world.hub.url}/login`, {
      form: { username: 'ops', password: PASSWORD, _csrf: 'forged' },
      maxRedirects: 0,
    });
    expect(noCookie.status()).toBe(403);
    const page = await context.newPage();
    await logIn(page, 'ops');
    const logout = await context.request.post(`${world.hub.url}/logout`, {
      form: { _csrf: 'forged' },
      headers: { 'accept-language': 'en' },
      maxRedirects: 0,
    });
    expect(logout.status()).toBe(403);
    expect(await logout.text()).toContain('did not come from this site');
    // Still logged in: the forged logout did nothing.
    await page.goto(`${world.hub.url}/`);
    expect(await page.getByText('Signed in as').count()).toBe(1);
  });

  it('ends a session past its time: the next page asks to log in again', async () => {
    const page = await (await browser.context()).newPage();
    await logIn(page, 'dr.gp');
    expect(new URL(page.url()).pathname).toBe('/clinician');
    await world.db.query(
      `UPDATE web_session SET expires_at = now() - interval '1 second'
       WHERE account_id = (SELECT id FROM account WHERE username = 'dr.gp')`,
    );
    await page.goto(`${world.hub.url}/clinician`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await page.getByRole('alert').textContent()).toContain('session has ended');
  });
});
