import type { Patient } from 'fhir/r4';
import { auditCaughtUp } from '@passerelle/testing';
import type { Page } from 'playwright-core';
import { accessibilityProblems, launchBrowser, screenshot, type TestBrowser } from '../support/browser';
import { admin, createPagesWorld, PASSWORD, type PagesWorld } from './pages-fixtures';

function person(mrnSystem: string, mrn: string, family: string, given: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: mrnSystem, value: mrn }],
    name: [{ use: 'official', family, given: [given] }],
    gender: 'female',
    birthDate: '1982-07-21',
    address: [{ use: 'home', line: ['3 rue des Lilas'], postalCode: '44000', city: 'Nantes', country: 'FR' }],
  };
}

/** Identity review in Chromium, on the embedded default, over the patient index's own operations. */
describe('pages: identity review (Chromium, PGlite)', () => {
  let world: PagesWorld;
  let browser: TestBrowser;
  let atHospital: string;
  let atGp: string;

  beforeAll(async () => {
    world = await createPagesWorld();
    browser = await launchBrowser();
    await admin(world.hub, 'POST', '/admin/accounts', {
      kind: 'operator',
      username: 'reviewer',
      displayName: 'Rita Reviewer',
      password: PASSWORD,
      roles: ['identity-review'],
    });
    // The same demographics at two agencies, no national identifier: a candidate for an operator.
    atHospital = await world.writeAsHospital(person('https://chu.example/mrn', 'H5', 'Durand', 'Zoé'));
    atGp = await world.writeAsGp(person('https://cabinet.example/mrn', 'G5', 'DURAND', 'Zoe'));
  });
  afterAll(async () => {
    await browser?.close();
    await world?.close();
  });

  const logIn = async (username: string): Promise<Page> => {
    const page = await (await browser.context()).newPage();
    await page.goto(`${world.hub.url}/login?next=/identity`);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    return page;
  };
  const personOf = async (patientId: string): Promise<string> =>
    (
      await world.db.query<{ person_id: string }[]>(`SELECT person_id FROM mpi_link WHERE patient_id = $1`, [
        patientId,
      ])
    )[0].person_id;
  const audit = async (operation: string) => {
    await auditCaughtUp(world.db);
    return world.db.query<{ patient_id: string; content: string }[]>(
      `SELECT patient_id, content::text AS content FROM audit_trail WHERE content::text LIKE $1 ORDER BY seq`,
      [`%${operation}%`],
    );
  };

  it('shows a candidate side by side with the evidence, audited; confirms with a reason; undoes it', async () => {
    const page = await logIn('reviewer');
    expect(new URL(page.url()).pathname).toBe('/identity');
    const candidate = page.getByRole('region', { name: 'Candidate 1' });
    const table = await candidate.textContent();
    expect(table).toContain('Zoé Durand');
    expect(table).toContain('Zoe DURAND');
    expect(table).toContain('Test agency chu');
    expect(await candidate.getByRole('row', { name: /Date of birth/ }).textContent()).toContain('yes');
    expect(await accessibilityProblems(page)).toEqual([]);
    await screenshot(page, 'identity-review');
    // Showing the records to the operator is a disclosure, on the audit trail.
    const reviewed = await audit('mpi-review');
    expect(reviewed.map((r) => r.patient_id)).toEqual(expect.arrayContaining([atHospital, atGp]));
    expect(reviewed.every((r) => r.content.includes('account:reviewer'))).toBe(true);

    expect(await personOf(atHospital)).not.toBe(await personOf(atGp));
    await candidate.getByLabel(/Reason \(Confirm/).selectOption('documents-checked');
    await candidate.getByRole('button', { name: 'Confirm: same person' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Confirmed');
    expect(await personOf(atHospital)).toBe(await personOf(atGp));
    const confirmed = await audit('mpi-confirm');
    expect(confirmed.length).toBeGreaterThan(0);
    expect(confirmed.some((r) => r.content.includes('documents-checked'))).toBe(true);
    expect(await page.getByRole('region', { name: 'Candidate 1' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Undo this decision' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Undone');
    expect(await personOf(atHospital)).not.toBe(await personOf(atGp));
    expect((await audit('mpi-unlink')).length).toBeGreaterThan(0);
  });

  it('rejects a candidate with a reason, moving nothing', async () => {
    const a = await world.writeAsHospital(person('https://chu.example/mrn', 'H6', 'Martin', 'Léa'));
    const b = await world.writeAsGp(person('https://cabinet.example/mrn', 'G6', 'MARTIN', 'Lea'));
    const page = await logIn('reviewer');
    const candidate = page.getByRole('region', { name: /Candidate/ }).filter({ hasText: 'Léa Martin' });
    await candidate.getByLabel(/Reason \(Reject/).selectOption('family-member');
    await candidate.getByRole('button', { name: 'Reject: different people' }).click();
    expect(await page.getByRole('status').textContent()).toContain('Rejected');
    const [row] = await world.db.query<{ status: string; decided_by: string }[]>(
      `SELECT status, decided_by FROM mpi_candidate WHERE patient_id IN ($1, $2) AND matched_patient_id IN ($1, $2)`,
      [a, b],
    );
    expect(row).toEqual({ status: 'rejected', decided_by: 'account:reviewer' });
    expect(await personOf(a)).not.toBe(await personOf(b));
  });

  it('is for identity reviewers only, and refuses a decision without the session’s token', async () => {
    const mailroom = await logIn('ops');
    expect((await mailroom.goto(`${world.hub.url}/identity`))?.status()).toBe(403);
    const page = await logIn('reviewer');
    const forged = await page.context().request.post(`${world.hub.url}/identity/undo`, {
      form: { patient: atGp, _csrf: 'forged' },
    });
    expect(forged.status()).toBe(403);
  });
});
