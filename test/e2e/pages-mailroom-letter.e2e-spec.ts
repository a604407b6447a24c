import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import type { Patient } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { admin, createPagesWorld, PASSWORD, type PagesWorld } from './pages-fixtures';
import { auditCaughtUp } from '@passerelle/testing';

/** Polls until `probe` gives a value (the mailroom works in the background). */
async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let tries = 0; ; tries++) {
    const value = await probe();
    if (value !== undefined) return value;
    if (tries > 300) throw new Error(`${what}: never happened`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A PNG decoded: its size and how many pixels are not white. */
async function decodePng(png: Buffer): Promise<{ width: number; height: number; inked: number }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  let inked = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) inked++;
  return { width: image.width, height: image.height, inked };
}

interface LetterRow {
  id: string;
  reference: string;
  status: string;
  held_reason: string | null;
}

/** One letter in the mailroom: its address fixed with live checks, and its first page as an image. */
describe('pages: a letter in the mailroom — address fix and preview (Chromium, PGlite)', () => {
  let world: PagesWorld;
  let browser: TestBrowser;
  let patient: string;
  let letter: LetterRow;
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-pages-letter-'));

  beforeAll(async () => {
    process.env.MAILROOM_DIR = outputDir;
    process.env.MAILROOM_POLL_INTERVAL_MS = '50';
    world = await createPagesWorld();
    browser = await launchBrowser();
    // A postal code of four digits: the mailroom holds the letter (bad-postcode).
    patient = await world.writeAsHospital({
      resourceType: 'Patient',
      identifier: [{ system: 'https://chu.example/mrn', value: 'H3' }],
      name: [{ family: 'Durand', given: ['Jeanne'] }],
      gender: 'female',
      birthDate: '1950-01-02',
      address: [{ line: ['8 rue Saint-Éloi'], postalCode: '5980', city: 'Lille' }],
    } satisfies Patient);
    await admin(world.hub, 'POST', '/admin/mailroom/letters', {
      kind: 'patient-summary',
      patientId: patient,
    });
    letter = await eventually(async () => {
      const [row] = await letters();
      return row?.status === 'held' ? row : undefined;
    }, 'the letter held');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  const letters = () =>
    world.db.query<LetterRow[]>(`SELECT id, reference, status, held_reason FROM letter ORDER BY created_at`);
  const audited = async (operation: string) => {
    await auditCaughtUp(world.db);
    return world.db.query<{ patient_id: string; agency: string; content: string }[]>(
      `SELECT patient_id, agency, content::text AS content FROM audit_trail
        WHERE content->'subtype' @> $1::jsonb ORDER BY seq`,
      [JSON.stringify([{ code: operation }])],
    );
  };
  const logIn = async (username: string, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> => {
    const context = await browser.browser.newContext({ locale: 'en-GB', ...options });
    const page = await context.newPage();
    await page.goto(`${world.hub.url}/login?next=/mailroom`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    return page;
  };

  it('shows a letter’s first page as an image at a mailroom-only, uncached address, audited', async () => {
    const page = await logIn('ops');
    const url = `${world.hub.url}/mailroom/letters/${letter.id}/preview.png`;
    const response = await page.context().request.get(url);
    expect(response.status()).toBe(200);
    expect(response.headers()['content-type']).toBe('image/png');
    expect(response.headers()['cache-control']).toBe('no-store');
    // A real render of the A4 page (at 1.5 pixels per point), with the letter drawn on it.
    const png = await decodePng(await response.body());
    expect([png.width, png.height]).toEqual([893, 1263]);
    expect(png.inked).toBeGreaterThan(5000);
    expect(png.inked).toBeLessThan(png.width * png.height * 0.3);
    const [record] = await audited('letter-preview');
    expect(record).toMatchObject({ patient_id: patient, agency: 'hub' });
    expect(record.content).toContain('account:ops');
    expect(record.content).toContain(letter.id);

    // Not for a clinician; without a session, the login page.
    const clinician = await logIn('dr.gp');
    expect((await clinician.context().request.get(url)).status()).toBe(403);
    const anonymous = await (await browser.context()).request.get(url, { maxRedirects: 0 });
    expect(anonymous.status()).toBe(303);
    expect(anonymous.headers().location).toMatch(/^\/login/);
  });

  it('without a script, saving a wrong address shows the check and keeps the letter held', async () => {
    const page = await logIn('ops', { javaScriptEnabled: false });
    await page.goto(`${world.hub.url}/mailroom/letters/${letter.id}`);
    await page.getByLabel('Postal code').fill('00123');
    await page.getByRole('button', { name: 'Save the address and release the letter' }).click();
    expect(await page.locator('#address-checks').textContent()).toContain(
      'not 5 digits starting with a French department',
    );
    expect((await letters())[0]).toMatchObject({ id: letter.id, status: 'held' });
    expect(await world.db.query(`SELECT 1 FROM mailroom_address_fix`)).toEqual([]);
  });

  it('fixes a held letter’s address with the checks shown as the operator types; saving releases it, audited', async () => {
    const page = await logIn('ops');
    const held = page.getByRole('region', { name: 'Letters held for an operator' });
    expect(await held.textContent()).toContain('bad-postcode');
    await held.getByRole('link', { name: `Fix the address ${letter.reference}` }).click();
    expect(new URL(page.url()).pathname).toBe(`/mailroom/letters/${letter.id}`);
    // The address in use, prefilled, and what is wrong with it.
    expect(await page.getByLabel('Postal code').inputValue()).toBe('5980');
    const checks = page.locator('#address-checks');
    expect(await checks.textContent()).toContain('not 5 digits starting with a French department');
    // The preview is shown with a text alternative, and loaded (a real image, not a broken one).
    const preview = page.getByRole('img', { name: new RegExp(`First page of letter ${letter.reference}`) });
    await preview.waitFor();
    // Loaded and decoded by the browser: its natural size is the PNG's.
    await preview.evaluate((img: { decode(): Promise<void> }) => img.decode());
    expect(await preview.evaluate((img: { naturalWidth: number }) => img.naturalWidth)).toBe(893);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'mailroom-letter');

    // As the operator types, the checks run again (through the hub), with no page load.
    await page.getByLabel('Postal code').fill('59800');
    await page.getByText('The address passes the checks').waitFor();
    expect(await checks.textContent()).toContain('59800 LILLE');
    await page.getByLabel('Postal code').fill('59800x');
    await page.getByText('The address fails a check').waitFor();
    await page.getByLabel('Postal code').fill('59800');
    await page.getByText('The address passes the checks').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'mailroom-address-fix');

    await page.getByRole('button', { name: 'Save the address and release the letter' }).click();
    expect(new URL(page.url()).pathname).toBe('/mailroom');
    expect(await page.getByRole('status').textContent()).toContain(
      `Address corrected and letter released: ${letter.reference}`,
    );
    const [fix] = await world.db.query<
      { patient_id: string; fixed_by: string; address: { postalCode: string } }[]
    >(`SELECT patient_id, fixed_by, address FROM mailroom_address_fix`);
    expect(fix).toMatchObject({
      patient_id: patient,
      fixed_by: 'account:ops',
      address: { postalCode: '59800' },
    });
    // Released and decided again: with the fixed address it now waits for a print run.
    await eventually(async () => ((await letters())[0].status === 'pending' ? true : undefined), 'pending');
    const [record] = await audited('letter-address-fix');
    expect(record).toMatchObject({ patient_id: patient, agency: 'hub' });
    expect(record.content).toContain('account:ops');
    // The audit trail says who and which letter, never the address itself.
    expect(record.content).not.toContain('Saint');
    expect((await audited('letter-address')).length).toBeGreaterThan(0);
  });

  it('answers the live check only to the mailroom, with the session’s token', async () => {
    const page = await logIn('ops');
    await page.goto(`${world.hub.url}/mailroom`);
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const check = (form: Record<string, string>) =>
      page.context().request.post(`${world.hub.url}/mailroom/address-check`, { form });
    const good = await check({
      _csrf: csrf,
      recipient: 'Mme Jeanne Durand',
      line1: '8 rue Saint-Éloi',
      postalCode: '59800',
      city: 'Lille',
    });
    expect(good.status()).toBe(200);
    expect(await good.json()).toMatchObject({
      ok: true,
      lines: ['Mme Jeanne Durand', '8 RUE SAINT ELOI', '59800 LILLE'],
    });
    const bad = await check({
      _csrf: csrf,
      recipient: '=HYPERLINK("x")',
      postalCode: '59800',
      city: 'Lille',
    });
    expect(await bad.json()).toMatchObject({ ok: false });
    expect((await check({ _csrf: 'forged', recipient: 'x' })).status()).toBe(403);
    const clinician = await logIn('dr.gp');
    const refused = await clinician.context().request.post(`${world.hub.url}/mailroom/address-check`, {
      form: { recipient: 'x' },
    });
    expect(refused.status()).toBe(403);
  });
});
