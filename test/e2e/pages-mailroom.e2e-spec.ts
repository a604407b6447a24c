import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { admin, createPagesWorld, PASSWORD, type PagesWorld } from './pages-fixtures';

/** Polls until `probe` gives a value (the mailroom works in the background). */
async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface LetterRow {
  id: string;
  reference: string;
  status: string;
  held_reason: string | null;
}

/** The mailroom's page in Chromium, on the embedded default, over the mailroom's own services. */
describe('pages: the mailroom (Chromium, PGlite)', () => {
  let world: PagesWorld;
  let browser: TestBrowser;
  let addressed: string;
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-pages-mailroom-'));

  beforeAll(async () => {
    // The mailroom's settings, validated with the hub's at start-up.
    world = await createPagesWorld({ MAILROOM_DIR: outputDir, MAILROOM_POLL_INTERVAL_MS: '50' });
    browser = await launchBrowser();
    addressed = await world.writeAsHospital({
      resourceType: 'Patient',
      identifier: [{ system: 'https://chu.example/mrn', value: 'H2' }],
      name: [{ family: 'Durand', given: ['Jeanne'] }],
      gender: 'female',
      birthDate: '1950-01-02',
      address: [{ line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' }],
    } satisfies Patient);
    // Two summaries by post: one to a patient with an address, one to a patient without.
    await admin(world.hub, 'POST', '/admin/mailroom/letters', {
      kind: 'patient-summary',
      patientId: addressed,
    });
    await admin(world.hub, 'POST', '/admin/mailroom/letters', {
      kind: 'patient-summary',
      patientId: world.hospitalPatient,
    });
    await eventually(async () => {
      const rows = await letters();
      return rows.length === 2 && rows.every((r) => r.status === 'pending' || r.status === 'held')
        ? rows
        : undefined;
    }, 'the letters decided');
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  const letters = () =>
    world.db.query<LetterRow[]>(`SELECT id, reference, status, held_reason FROM letter ORDER BY created_at`);
  const logIn = async (username: string): Promise<Page> => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${world.hub.url}/login?next=/mailroom`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    return page;
  };

  it('shows held letters with their reason and the letters waiting; runs, prints, posts, records returned mail', async () => {
    const page = await logIn('ops');
    expect(new URL(page.url()).pathname).toBe('/mailroom');
    const [pending] = (await letters()).filter((l) => l.status === 'pending');
    const [held] = (await letters()).filter((l) => l.status === 'held');
    const heldSection = page.getByRole('region', { name: 'Letters held for an operator' });
    expect(await heldSection.textContent()).toContain(held.reference);
    expect(await heldSection.textContent()).toContain('no-address');
    expect(
      await page.getByRole('region', { name: 'Letters waiting for a print run' }).textContent(),
    ).toContain(pending.reference);
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'mailroom');

    await page.getByRole('button', { name: 'Create a print run from the waiting letters' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Print run created');
    const run = await eventually(async () => {
      const [row] = await world.db.query<{ id: string; status: string }[]>(
        `SELECT id, status FROM print_run`,
      );
      return row?.status === 'ready' ? row : undefined;
    }, 'the run ready');
    await page.goto(`${world.hub.url}/mailroom`);
    const runs = page.getByRole('region', { name: 'Print runs' });
    const pdf = await page.context().request.get(`${world.hub.url}/mailroom/runs/${run.id}/pdf`);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');
    const manifest = await page.context().request.get(`${world.hub.url}/mailroom/runs/${run.id}/manifest`);
    expect(await manifest.text()).toContain(pending.id);
    expect(await runs.getByRole('link', { name: /PDF/ }).count()).toBe(1);

    await runs.getByRole('button', { name: /Mark printed/ }).click();
    expect(await page.getByRole('status').textContent()).toContain('marked printed');
    await page
      .getByRole('region', { name: 'Print runs' })
      .getByRole('button', { name: /Mark posted/ })
      .click();
    expect(await page.getByRole('status').textContent()).toContain('marked posted');
    expect((await letters()).find((l) => l.id === pending.id)?.status).toBe('posted');

    const posted = page.getByRole('region', { name: 'Letters posted (record returned mail)' });
    await posted.getByRole('button', { name: `Came back ${pending.reference}` }).click();
    expect(await page.getByRole('status').textContent()).toContain(pending.reference);
    expect((await letters()).find((l) => l.id === pending.id)?.status).toBe('returned');

    await page
      .getByRole('region', { name: 'Letters held for an operator' })
      .getByRole('button', { name: `Cancel ${held.reference}` })
      .click();
    expect((await letters()).find((l) => l.id === held.id)?.status).toBe('cancelled');
  });

  it('says what is wrong with a paper consent form it cannot record', async () => {
    const page = await logIn('ops');
    await page.getByLabel('Form code').fill('K7QM-2XWP-9TRB-4');
    await page.getByLabel('The form is signed').check();
    await page.getByRole('button', { name: 'Record the form' }).click();
    expect(await page.getByRole('alert').textContent()).toBeTruthy();
    expect(await world.db.query(`SELECT id FROM resource WHERE resource_type = 'Consent'`)).toEqual([]);
  });

  it('is for the mailroom only, and refuses a form post without the session’s token', async () => {
    const clinician = await logIn('dr.gp');
    const refused = await clinician.goto(`${world.hub.url}/mailroom`);
    expect(refused?.status()).toBe(403);
    const page = await logIn('ops');
    const forged = await page
      .context()
      .request.post(`${world.hub.url}/mailroom/runs`, { form: { _csrf: 'forged' } });
    expect(forged.status()).toBe(403);
  });
});
