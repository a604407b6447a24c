import { readFile } from 'node:fs/promises';
import type { Consent } from 'fhir/r4';
import { AuditQueries } from '@passerelle/audit';
import { isPaperFormConsent, validatePatientConsent } from '@passerelle/consent';
import { parseStored } from '@passerelle/store';
import { createTestDatabase, privacyConsent, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { newFormCode, readFormCode } from '@passerelle/letters';
import { readPdf } from '@passerelle/letters/testing';
import { ConsentForms } from './consent-forms';
import { CHU, HOME, type MailroomFixture, ONLINE, openMailroom, patient } from './mailroom.fixtures';
import { MailroomError } from './mailroom.types';

/**
 * Paper consent forms on a real database: the consent letter's form and its code, then the
 * mailroom recording a returned form: the Consent, the older form's Consent made inactive, the
 * audit record and the confirmation letter, all or nothing; and every way a form is refused.
 */
describe.each(STORE_KINDS)('paper consent forms on %s', (kind) => {
  let database: TestDatabase;
  let m: MailroomFixture;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    m = await openMailroom(database.config);
  });
  afterAll(async () => {
    await m.close();
    await database.drop();
  });

  const db = () => m.opened.dataSource.manager;
  const create = async (mrn: string, extra: Parameters<typeof patient>[1] = {}) =>
    (await m.repo.create(CHU, 'Patient', patient(mrn, extra))).stored.id;

  /** The hospital records an objection; its consent-change letter is printed: the letter, its form's code, the PDF. */
  async function printedConsentLetter(patientId: string) {
    const stored = (await m.repo.create(CHU, 'Consent', privacyConsent(patientId, 'chu', { type: 'deny' })))
      .stored;
    await m.notifications.consentChanged(db(), patientId, stored.id, stored.versionId, 'chu');
    await m.worker.pollOnce();
    await m.settled();
    const letter = (await m.worker.mailroom.listLetters({ patientId, limit: 100 })).items.find(
      (l) => l.kind === 'consent-change' && l.status === 'pending',
    );
    if (!letter) throw new Error('no consent letter waits');
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    const [{ code }]: { code: string }[] = await db().query(
      'SELECT code FROM consent_form WHERE letter_id = $1',
      [letter.id],
    );
    return { letter, code, pdf, runId: run?.id ?? '' };
  }

  const formConsents = async (patientId: string) => {
    const page = await m.repo.internal.everything([patientId], { types: ['Consent'] });
    return page.entries
      .map((e) => ({ stored: e.stored, consent: parseStored<Consent>(e.stored) }))
      .filter((c) => isPaperFormConsent(c.consent));
  };
  const refusal = (work: Promise<unknown>) =>
    work.then(
      () => undefined,
      (e: unknown) => (e instanceof MailroomError ? { code: e.code, message: e.message } : e),
    );

  it('prints the form with a code of its own that the mailroom can type back', async () => {
    const patientId = await create('FORM-1', { address: [HOME] });
    const { code, pdf } = await printedConsentLetter(patientId);
    expect(readFormCode(code)).toEqual({ ok: true, code });
    expect(pdf.text).toContain('Formulaire : vos choix de partage');
    expect(pdf.text).toContain(`Code du formulaire : ${code}`);
    expect(pdf.text).toContain('Les médecins généralistes');
    expect(pdf.text).toContain('Santé mentale et suivi psychiatrique');
  });

  it('records a returned form as a hub Consent in one transaction, audited, confirmed by letter, once', async () => {
    const patientId = await create('FORM-2', { address: [HOME] });
    const { letter, code } = await printedConsentLetter(patientId);
    // The patient opened an online account since: a form that came back on paper is answered on paper.
    await m.repo.update(CHU, 'Patient', patientId, {
      ...patient('FORM-2', { address: [HOME], extension: [ONLINE] }),
      id: patientId,
    });
    const recorded = await m.forms.record({
      code: ` ${code.toLowerCase().replace(/-/g, ' ')} `,
      sharing: { hospital: { refuse: true }, gp: { agree: true, refuse: false } },
      sensitive: { 'mental-health': ['gp'] },
      signed: true,
      signedOn: new Date().toISOString().slice(0, 10),
    });
    expect(recorded).toMatchObject({ patientId, consentVersion: 1, replaced: [] });
    expect(recorded.confirmation).toMatchObject({ kind: 'consent-form-recorded', patientId });

    const [written] = await formConsents(patientId);
    expect(`Consent/${written.stored.id}`).toBe(recorded.consent);
    expect(written.stored.sourceAgency).toBe('hub');
    expect(written.consent.status).toBe('active');
    expect(validatePatientConsent(written.consent)).toEqual([]);
    expect(written.consent.provision?.provision).toHaveLength(3);

    const [form]: { used_at: Date | null; consent_id: string; confirmation_letter_id: string }[] =
      await db().query(
        'SELECT used_at, consent_id, confirmation_letter_id FROM consent_form WHERE code = $1',
        [code],
      );
    expect(form).toMatchObject({
      consent_id: written.stored.id,
      confirmation_letter_id: recorded.confirmation.id,
    });
    expect(form.used_at).toBeInstanceOf(Date);

    const audits = await new AuditQueries(m.opened.dataSource).search({
      patient: [patientId],
      agency: 'hub',
      subtype: 'consent-form',
      count: 10,
    });
    expect(audits.events).toHaveLength(1);
    const event = JSON.stringify(audits.events[0]);
    for (const id of [written.stored.id, letter.id, recorded.confirmation.id]) expect(event).toContain(id);

    // Once only.
    expect(
      await refusal(m.forms.record({ code, sharing: { gp: { agree: true } }, signed: true })),
    ).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/already recorded/),
    });

    // The confirmation goes by post, even with an account, and says what was recorded.
    await m.settled();
    expect(await m.worker.mailroom.letter(recorded.confirmation.id)).toMatchObject({ status: 'pending' });
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    expect(pdf.text).toContain('Nous avons enregistré vos choix de partage');
    expect(pdf.text).toContain(`(courrier ${letter.reference})`);
    expect(pdf.text).toContain('Les hôpitaux : vous refusez');
    expect(pdf.text).toContain('Santé mentale et suivi psychiatrique : les médecins généralistes');
    // ... with a new form, of a new code.
    const [next]: { code: string }[] = await db().query(
      'SELECT code FROM consent_form WHERE letter_id = $1',
      [recorded.confirmation.id],
    );
    expect(next.code).not.toBe(code);
    expect(pdf.text).toContain(`Code du formulaire : ${next.code}`);
  });

  it('makes the person’s earlier form Consent inactive when a newer form comes back', async () => {
    const patientId = await create('FORM-3', { address: [HOME] });
    const first = await printedConsentLetter(patientId);
    const second = await printedConsentLetter(patientId);
    const a = await m.forms.record({
      code: first.code,
      sharing: { hospital: { refuse: true } },
      signed: true,
    });
    const b = await m.forms.record({
      code: second.code,
      sharing: { hospital: { agree: true } },
      signed: true,
    });
    expect(b.replaced).toEqual([a.consent]);
    const consents = await formConsents(patientId);
    const status = Object.fromEntries(consents.map((c) => [`Consent/${c.stored.id}`, c.consent.status]));
    expect(status).toEqual({ [a.consent]: 'inactive', [b.consent]: 'active' });
  });

  it('refuses bad forms with a reason, and writes nothing', async () => {
    const patientId = await create('FORM-4', { address: [HOME] });
    const { code } = await printedConsentLetter(patientId);
    const typo = code.slice(0, -1) + (code.endsWith('0') ? '1' : '0');
    const cases: [unknown, string, RegExp][] = [
      [{ code: typo, sharing: { gp: { agree: true } }, signed: true }, 'invalid', /typo/],
      [{ code, sharing: { gp: { agree: true, refuse: true } }, signed: true }, 'invalid', /contradictory/],
      [
        { code, sharing: { gp: { refuse: true } }, sensitive: { hiv: ['gp'] }, signed: true },
        'invalid',
        /contradictory/,
      ],
      [{ code, signed: true }, 'invalid', /records nothing/],
      [{ code, sharing: { gp: { agree: true } } }, 'invalid', /unsigned/],
      [{ code, sharing: { pharmacy: { agree: true } }, signed: true }, 'invalid', /no line "pharmacy"/],
      [{ code, sensitive: { hiv: ['gp', 'gp'] }, signed: true }, 'invalid', /each once/],
      [{ code, sharing: { gp: { agree: true } }, signed: true, signedOn: '2999-01-01' }, 'invalid', /future/],
      [{ code, sharing: { gp: { agree: true } }, signed: true, patientId }, 'invalid', /unknown fields/],
      [
        { code: newFormCode(), sharing: { gp: { agree: true } }, signed: true },
        'not-found',
        /No consent form/,
      ],
    ];
    for (const [body, expected, message] of cases)
      expect(await refusal(m.forms.record(body))).toMatchObject({
        code: expected,
        message: expect.stringMatching(message),
      });

    await db().query(
      `UPDATE consent_form SET issued_at = now() - interval '2 days', expires_at = now() - interval '1 day' WHERE code = $1`,
      [code],
    );
    expect(
      await refusal(m.forms.record({ code, sharing: { gp: { agree: true } }, signed: true })),
    ).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/expired/),
    });
    expect(await formConsents(patientId)).toEqual([]);
    const [form]: { used_at: Date | null }[] = await db().query(
      'SELECT used_at FROM consent_form WHERE code = $1',
      [code],
    );
    expect(form.used_at).toBeNull();
  });

  it('rolls everything back when a step fails after the Consent is written', async () => {
    const patientId = await create('FORM-5', { address: [HOME] });
    const { code } = await printedConsentLetter(patientId);
    const failingAudit = new ConsentForms({
      dataSource: m.opened.dataSource,
      repo: m.repo,
      queue: m.queue,
      linkedPatients: m.index.linkedPatients.bind(m.index),
      agencyName: () => Promise.resolve(undefined),
      audit: { recordIn: () => Promise.reject(new Error('audit trail unavailable')) },
    });
    await expect(
      failingAudit.record({ code, sharing: { gp: { agree: true } }, signed: true }),
    ).rejects.toThrow('audit trail unavailable');
    expect(await formConsents(patientId)).toEqual([]);
    const letters = await m.worker.mailroom.listLetters({ patientId, limit: 100 });
    expect(letters.items.map((l) => l.kind)).not.toContain('consent-form-recorded');
    const [form]: { used_at: Date | null }[] = await db().query(
      'SELECT used_at FROM consent_form WHERE code = $1',
      [code],
    );
    expect(form.used_at).toBeNull();
    // The same form, recorded again once the trail is back, goes through.
    await expect(
      m.forms.record({ code, sharing: { gp: { agree: true } }, signed: true }),
    ).resolves.toMatchObject({
      patientId,
    });
  });
});
