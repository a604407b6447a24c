import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { createPagesWorld, PASSWORD, type PagesWorld } from './pages-fixtures';

/** The operator's overview in Chromium, on the embedded default. */
describe('pages: the operator overview (Chromium, PGlite)', () => {
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

  const logIn = async (username: string): Promise<Page> => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${world.hub.url}/login?next=/operator`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    return page;
  };

  it('shows agencies with their last data, the sync backlog, queues, letters and the audit trail; verifies the chain', async () => {
    const page = await logIn('ops');
    expect(new URL(page.url()).pathname).toBe('/operator');
    const agencies = page.getByRole('region', { name: 'Agencies' });
    const chu = agencies.getByRole('row', { name: /Test agency chu/ });
    expect(await chu.textContent()).toContain('active');
    // The hospital obtained tokens and pushed data: its last token and last push are dates, not
    // "never"; the clinic did neither.
    const clinique = agencies.getByRole('row', { name: /Test agency clinique/ });
    expect((await chu.locator('td').nth(2).textContent())?.trim()).not.toBe('never');
    expect((await chu.locator('td').nth(3).textContent())?.trim()).not.toBe('never');
    expect(await clinique.locator('td').nth(2).textContent()).toBe('never');
    expect(await clinique.locator('td').nth(3).textContent()).toBe('never');
    const [token] = await world.db.query<{ last_token_at: Date }[]>(
      `SELECT last_token_at FROM agency_token_use WHERE agency_id = 'chu'`,
    );
    expect(token.last_token_at).toBeInstanceOf(Date);
    expect(await page.locator('#last-verification').textContent()).toContain('not been verified yet');
    const sync = page.getByRole('region', { name: 'Sync' });
    expect(await sync.textContent()).toContain('Changes waiting to be routed');
    expect(await sync.getByRole('row', { name: /^route/ }).count()).toBe(1);
    const [events] = await world.db.query<{ n: string }[]>(`SELECT count(*) AS n FROM audit_log`);
    expect(await page.getByRole('region', { name: 'Audit trail' }).textContent()).toContain(String(events.n));
    expect(await accessibilityProblems(page)).toEqual([]);

    await page.getByRole('button', { name: 'Verify the audit chain now' }).click();
    expect(await page.getByRole('status').textContent()).toContain('The audit chain is intact');
    // Kept: the newest verification is shown, by whom, and how many records it read.
    const [verified] = await world.db.query<{ ok: boolean; checked: string; verified_by: string }[]>(
      `SELECT ok, checked, verified_by FROM audit_verification ORDER BY id DESC LIMIT 1`,
    );
    expect(verified).toMatchObject({ ok: true, verified_by: 'account:ops' });
    expect(Number(verified.checked)).toBeGreaterThan(0);
    const last = await page.locator('#last-verification').textContent();
    expect(last).toContain('account:ops');
    expect(last).toContain(`intact, ${verified.checked} records checked`);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'operator');
  });

  it('manages accounts: adds a clinician with a password shown once, which logs in; disabling ends the session', async () => {
    const page = await logIn('ops');
    await page.goto(`${world.hub.url}/operator/accounts`);
    expect(await page.getByRole('region', { name: 'People who log in' }).textContent()).toContain('dr.gp');
    await page.getByLabel('Kind').selectOption('clinician');
    await page.getByLabel('Username').fill('dr.new');
    await page.getByLabel('Name', { exact: true }).fill('Dr Nadia New');
    await page.getByLabel('Agency (clinicians)').selectOption('cabinet');
    await page
      .getByLabel('Practitioner identifier (clinicians)')
      .fill('https://rpps.esante.gouv.fr|30303030303');
    await page.getByRole('button', { name: 'Add the account' }).click();
    const password = (await page.locator('.warning code').textContent()) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(await accessibilityProblems(page)).toEqual([]);
    const [row] = await world.db.query<{ kind: string; agency: string; password_hash: string }[]>(
      `SELECT kind, agency, password_hash FROM account WHERE username = 'dr.new'`,
    );
    expect(row).toMatchObject({ kind: 'clinician', agency: 'cabinet' });
    expect(row.password_hash).not.toContain(password);

    const newcomer = await (await browser.context()).newPage();
    await newcomer.goto(`${world.hub.url}/login`);
    await newcomer.getByLabel('Username').fill('dr.new');
    await newcomer.getByLabel('Password').fill(password);
    await newcomer.getByRole('button', { name: 'Log in' }).click();
    expect(new URL(newcomer.url()).pathname).toBe('/clinician');

    await page.goto(`${world.hub.url}/operator/accounts`);
    await page.getByRole('button', { name: 'Disable dr.new' }).click();
    expect(await page.getByRole('status').textContent()).toContain('disable dr.new');
    await screenshot(page, 'accounts');
    await newcomer.goto(`${world.hub.url}/clinician`);
    expect(new URL(newcomer.url()).pathname).toBe('/login');
  });

  it('is for admins only, and refuses a form post without the session’s token', async () => {
    const clinician = await logIn('dr.gp');
    expect((await clinician.goto(`${world.hub.url}/operator`))?.status()).toBe(403);
    const page = await logIn('ops');
    const forged = await page.context().request.post(`${world.hub.url}/operator/audit/verify`, {
      form: { _csrf: 'forged' },
    });
    expect(forged.status()).toBe(403);
    const replay = await page
      .context()
      .request.post(`${world.hub.url}/operator/dead-letters/route/nope/replay`, {
        form: { _csrf: await page.locator('input[name=_csrf]').first().inputValue() },
      });
    expect(replay.status()).toBe(404);
  });
});
