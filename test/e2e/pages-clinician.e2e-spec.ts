import type { Page } from 'playwright-core';
import { auditCaughtUp } from '@passerelle/testing';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import {
  createPagesWorld,
  INS,
  PASSWORD,
  PRACTITIONER,
  SENSITIVE_MARKER,
  type PagesWorld,
} from './pages-fixtures';

interface AuditRow {
  agency: string;
  interaction: string;
  break_glass: boolean;
  patient_id: string | null;
  content: string;
}

/**
 * The clinician's page in Chromium, on the embedded default: it acts as the clinician's agency
 * through the FHIR API's consent scope, so it shows what the API would, audited the same way.
 */
describe('pages: the clinician (Chromium, PGlite)', () => {
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
    await page.goto(`${world.hub.url}/login`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    expect(new URL(page.url()).pathname).toBe('/clinician');
    return page;
  };
  const audit = async (agency: string) => {
    await auditCaughtUp(world.db);
    return world.db.query<AuditRow[]>(
      `SELECT agency, interaction, break_glass, patient_id, content::text AS content FROM audit_trail
       WHERE agency = $1 ORDER BY seq`,
      [agency],
    );
  };

  it('finds the GP’s patient by INS and shows the summary with each entry’s source agency, audited', async () => {
    const page = await logIn('dr.gp');
    expect(await page.getByText('You act for').textContent()).toContain('Test agency cabinet');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'clinician-search');
    const before = (await audit('cabinet')).length;

    await page.getByLabel('National identifier (INS, NHS number)').fill(INS);
    await page.getByRole('button', { name: 'Search' }).click();
    const results = page.getByRole('region', { name: 'Patients found' });
    expect(await results.getByRole('link').count()).toBeGreaterThanOrEqual(1);
    expect(await results.textContent()).toContain('Maëlle Le Gall-Ménard');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'clinician-results');

    await results.getByRole('link').first().click();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Maëlle Le Gall-Ménard');
    const allergies = page.getByRole('region', { name: 'Allergies and intolerances' });
    expect(await allergies.textContent()).toContain('Penicillin');
    expect(await allergies.textContent()).toContain('Test agency chu');
    const problems = page.getByRole('region', { name: 'Problems' });
    expect(await problems.textContent()).toContain('Type 2 diabetes');
    expect(await problems.textContent()).toContain('Test agency cabinet');
    // Hidden data is invisible, as in the API: the sensitive condition needs a permit no one gave.
    expect(await page.content()).not.toContain(SENSITIVE_MARKER);
    const agencies = await page
      .getByRole('heading', { name: 'Agencies that contributed' })
      .locator('xpath=following-sibling::ul[1]')
      .textContent();
    expect(agencies).toContain('Test agency chu');
    expect(agencies).toContain('Test agency cabinet');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'clinician-summary');

    // The same audit as the API: the agency, the practitioner, the purpose, one summary disclosure.
    const rows = (await audit('cabinet')).slice(before);
    expect(rows.map((r) => r.interaction)).toEqual(expect.arrayContaining(['search-type']));
    const summary = rows.filter((r) => r.content.includes('summary'));
    expect(summary.length).toBeGreaterThanOrEqual(1);
    expect(rows.every((r) => r.content.includes('10101010101') && r.content.includes('TREAT'))).toBe(true);
    expect(rows.some((r) => r.break_glass)).toBe(false);
    expect(PRACTITIONER).toContain('10101010101');

    // The PDF, with the session's cookie.
    const href = await page.getByRole('link', { name: 'Download the PDF' }).getAttribute('href');
    const pdf = await page.context().request.get(`${world.hub.url}${href ?? ''}`);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    // A printed copy posted to the patient: one letter for the mailroom, the request audited.
    const summaryUrl = page.url();
    const shownPatient = decodeURIComponent(new URL(summaryUrl).pathname.split('/')[3]);
    expect([world.gpPatient, world.hospitalPatient]).toContain(shownPatient);
    await page.getByRole('button', { name: 'Post a printed copy to the patient' }).click();
    const status = await page.getByRole('status').textContent();
    expect(status).toContain('A printed copy will be posted to the patient');
    const letters = await world.db.query<{ reference: string; patient_id: string }[]>(
      `SELECT reference, patient_id FROM letter WHERE kind = 'patient-summary'`,
    );
    expect(letters).toHaveLength(1);
    expect(letters[0].patient_id).toBe(shownPatient);
    expect(status).toContain(letters[0].reference);
    expect((await audit('cabinet')).some((r) => r.content.includes('summary-by-post'))).toBe(true);
    // Asked twice the same day: still one letter.
    await page.goto(summaryUrl);
    await page.getByRole('button', { name: 'Post a printed copy to the patient' }).click();
    expect(await world.db.query(`SELECT id FROM letter WHERE kind = 'patient-summary'`)).toHaveLength(1);
  });

  it('finds the patient by family name and birth date, and says what is wrong with a bad date', async () => {
    const page = await logIn('dr.gp');
    await page.getByLabel('Family name').fill('Le Gall-Ménard');
    await page.getByLabel('Date of birth').fill('1975-03-14');
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.getByRole('region', { name: 'Patients found' }).textContent()).toContain('Maëlle');
    await page.goto(`${world.hub.url}/clinician/search?family=X&birthdate=14/03/1975`);
    expect(await page.getByRole('alert').textContent()).toContain('YYYY-MM-DD');
  });

  it('shows a clinician without a care relationship nothing: no result, no summary', async () => {
    const page = await logIn('dr.other');
    const before = (await audit('clinique')).length;
    await page.getByLabel('National identifier (INS, NHS number)').fill(INS);
    await page.getByRole('button', { name: 'Search' }).click();
    expect(await page.getByRole('region', { name: 'Patients found' }).textContent()).toContain(
      'No patient found',
    );
    const direct = await page.goto(
      `${world.hub.url}/clinician/patients/${world.hospitalPatient}?purpose=TREAT`,
    );
    expect(direct?.status()).toBe(404);
    const html = await page.content();
    expect(html).not.toContain('Penicillin');
    expect(html).not.toContain('Maëlle');
    const pdf = await page
      .context()
      .request.get(`${world.hub.url}/clinician/patients/${world.hospitalPatient}/summary.pdf?purpose=TREAT`);
    expect(pdf.status()).toBe(404);
    // Refusals are audited too, and disclose nothing.
    const rows = (await audit('clinique')).slice(before);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.content.includes('Penicillin'))).toBe(false);
  });

  it('opens by break-glass with a reason and a warning; audited as such; the patient is to be told', async () => {
    const page = await logIn('dr.other');
    await page.getByText('Emergency access (break-glass)').click();
    expect(await page.getByText('The patient will be told').count()).toBeGreaterThanOrEqual(1);
    await page.getByLabel('National identifier of the patient needing emergency care').fill(INS);
    await page.getByLabel('Reason for emergency access').fill('Unconscious in A&E, allergies unknown');
    await page.getByLabel('I understand the patient will be told of this access').check();
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'clinician-break-glass-form');
    await page.getByRole('button', { name: 'Open with emergency access' }).click();
    if ((await page.getByRole('heading', { level: 1 }).textContent())?.includes('break-glass')) {
      // Several records of the person: the clinician picks one.
      await page
        .getByRole('button', { name: /Maëlle/ })
        .first()
        .click();
    }
    expect(await page.getByRole('status').first().textContent()).toContain(
      'Emergency access: the patient will be told',
    );
    expect(await page.getByRole('region', { name: 'Allergies and intolerances' }).textContent()).toContain(
      'Penicillin',
    );
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'clinician-break-glass');
    const rows = (await audit('clinique')).filter((r) => r.break_glass);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.some((r) => r.content.includes('Unconscious in A&E'))).toBe(true);
    const told = await world.db.query<{ kind: string }[]>(
      `SELECT kind FROM patient_notification WHERE kind = 'break-glass'`,
    );
    expect(told.length).toBeGreaterThan(0);
  });

  it('refuses break-glass without a reason, and any form post without the session’s CSRF token', async () => {
    const page = await logIn('dr.other');
    const request = page.context().request;
    const form = { identifier: INS, reason: 'Emergency', confirm: 'yes' };
    const forged = await request.post(`${world.hub.url}/clinician/break-glass`, {
      form: { ...form, _csrf: 'forged' },
      headers: { 'accept-language': 'en' },
    });
    expect(forged.status()).toBe(403);
    expect(await forged.text()).not.toContain('Penicillin');
    const csrf = await page.locator('input[name=_csrf]').first().inputValue();
    const noReason = await request.post(`${world.hub.url}/clinician/break-glass`, {
      form: { identifier: INS, reason: ' ', confirm: 'yes', _csrf: csrf },
      headers: { 'accept-language': 'en' },
    });
    expect(noReason.status()).toBe(400);
    expect(await noReason.text()).not.toContain('Penicillin');
    const noConfirm = await request.post(`${world.hub.url}/clinician/break-glass`, {
      form: { identifier: INS, reason: 'Emergency', _csrf: csrf },
    });
    expect(noConfirm.status()).toBe(400);
  });
});
