import { readFile } from 'node:fs/promises';
import type { Consent } from 'fhir/r4';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { readPdf } from '@passerelle/letters/testing';
import { CABINET, CHU, HOME, type MailroomFixture, openMailroom, patient, SENDER } from './mailroom.fixtures';
import { episodeOf, fileNotice, type Notice } from './episodes';
import { MailroomWorker } from './mailroom-worker';
import { readManifest } from './manifest-reader';

/**
 * Episodes: an emergency session of many requests, or consent changes made together, make one
 * letter; two workers taking the notices at once still make one.
 */
describe.each(STORE_KINDS)('letters by episode on %s', (kind) => {
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

  const create = async (mrn: string) =>
    (await m.repo.create(CHU, 'Patient', patient(mrn, { address: [HOME] }))).stored.id;

  /** A break-glass read audited as the hub audits it, then its notice. */
  async function glass(
    patientId: string,
    requestId: string,
    options: { agency?: string; practitioner?: string; reason?: string; type?: string } = {},
  ) {
    const agency = options.agency ?? 'urgences';
    const reason = options.reason ?? 'Patiente inconsciente aux urgences';
    await m.audit.record([
      {
        interaction: 'read',
        outcome: 'success',
        agency,
        clientId: agency,
        purposeOfUse: 'ETREAT',
        breakGlassReason: reason,
        patientId,
        resourceType: options.type ?? 'AllergyIntolerance',
        resourceId: 'a1',
        requestId,
      },
    ]);
    await m.notifications.breakGlass([
      { patientId, agency, practitioner: options.practitioner ?? 'Dr Karim Benali', reason, requestId },
    ]);
  }

  const breakGlassLetters = async (patientId: string) =>
    (await m.worker.mailroom.listLetters({ patientId, kind: 'break-glass', limit: 100 })).items;

  async function printRun() {
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const ready = await m.worker.mailroom.run(run?.id ?? '');
    expect(ready.status).toBe('ready');
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(ready.id, 'pdf')).path));
    const manifest = await readManifest((await m.worker.mailroom.runFile(ready.id, 'manifest')).path);
    return { ready, pdf, manifest };
  }

  it('makes one letter of an emergency session of twenty requests, listing each access', async () => {
    const patientId = await create('EP-1');
    for (let i = 0; i < 20; i++)
      await glass(patientId, `req-ep1-${i}`, { type: i === 7 ? 'MedicationStatement' : undefined });
    await glass(patientId, 'req-ep1-other', {
      practitioner: 'Dr Inès Morel',
      reason: 'Relève de l’équipe, suite de la prise en charge',
      type: 'Condition',
    });
    expect(await m.worker.pollOnce()).toBe(1);
    await m.settled();
    const letters = await breakGlassLetters(patientId);
    expect(letters).toHaveLength(1);
    expect(letters[0].status).toBe('pending');

    const { ready, pdf, manifest } = await printRun();
    expect(manifest).toEqual([{ letterId: letters[0].id, pages: ready.pages }]);
    expect(pdf.text).toContain('21 fois');
    expect(pdf.text).toContain('Accès 1');
    expect(pdf.text).toContain('20 consultations');
    expect(pdf.text).toContain('Accès 2');
    expect(pdf.text).not.toContain('Accès 3');
    expect(pdf.text).toContain('Dr Karim Benali');
    expect(pdf.text).toContain('Dr Inès Morel');
    expect(pdf.text).toContain('Relève de l’équipe');
    // What each access showed, as kinds of data: the first access's twenty requests, merged.
    expect(pdf.text).toContain('vos allergies et vos médicaments');
    expect(pdf.text).toContain('20 consultations');
    expect(pdf.text).toContain(letters[0].reference);
  });

  it('starts a new letter once the episode’s letter joined a print run, and one per agency', async () => {
    const patientId = await create('EP-2');
    await glass(patientId, 'req-ep2-1');
    await m.worker.pollOnce();
    await m.settled();
    await printRun();
    await glass(patientId, 'req-ep2-2');
    await glass(patientId, 'req-ep2-3', { agency: 'chu', practitioner: 'Dr Anne Roussel' });
    await glass(patientId, 'req-ep2-4');
    await m.worker.pollOnce();
    await m.settled();
    const letters = await breakGlassLetters(patientId);
    expect(letters.map((l) => l.status).sort()).toEqual(['in-run', 'pending', 'pending']);
    const { pdf } = await printRun();
    expect(pdf.text).toContain('Urgences de Roubaix');
    expect(pdf.text).toContain('CHU de Lille');
    expect(pdf.text).toContain('2 fois');
  });

  it('makes one letter when two workers take the same episode’s notices at once', async () => {
    const patientId = await create('EP-3');
    for (let i = 0; i < 12; i++) await glass(patientId, `req-ep3-${i}`);
    const deps = {
      dataSource: m.opened.dataSource,
      repo: m.repo,
      audit: m.audit,
      queue: m.queue,
      linkedPatients: m.index.linkedPatients.bind(m.index),
      agencyName: () => Promise.resolve(undefined),
    };
    const workers = [1, 2].map(
      () => new MailroomWorker(deps, { outputDir: m.outputDir, sender: SENDER, batchSize: 1 }),
    );
    const made = await Promise.all(workers.map((w) => w.pollOnce()));
    await m.settled();
    expect(made[0] + made[1]).toBe(1);
    const letters = await breakGlassLetters(patientId);
    expect(letters).toHaveLength(1);
    const [row]: { n: number }[] = await m.opened.dataSource.query(
      `SELECT jsonb_array_length(details->'notificationIds') AS n FROM letter WHERE id = $1`,
      [letters[0].id],
    );
    expect(row.n).toBe(12);
  });

  if (kind === 'postgres')
    it('serialises two transactions filing the same episode: the second joins the first’s letter', async () => {
      const patientId = await create('EP-4');
      await glass(patientId, 'req-ep4-1');
      await glass(patientId, 'req-ep4-2');
      const ds = m.opened.dataSource;
      const notices: Notice[] = await ds.query(
        `SELECT id, patient_id, kind, dedupe_key, details, created_at FROM patient_notification
          WHERE patient_id = $1 ORDER BY created_at, id`,
        [patientId],
      );
      const episode = `break-glass:${episodeOf(notices[0], patientId, 'Europe/Paris')}`;
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      // A files the first notice and keeps its transaction open.
      let filedA: (value: unknown) => void = () => undefined;
      const aFiled = new Promise((resolve) => (filedA = resolve));
      const a = ds.transaction(async (tx) => {
        const letter = await fileNotice(tx, notices[0], episode);
        filedA(undefined);
        await held;
        return letter;
      });
      await aFiled;
      const b = ds.transaction((tx) => fileNotice(tx, notices[1], episode));
      // B waits on A's unsent letter (a lock, not a timer, proves the two overlap).
      let waiting = false;
      for (let i = 0; i < 1000 && !waiting; i++) {
        const [w]: { n: number }[] = await ds.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE wait_event_type = 'Lock' AND datname = current_database()`,
        );
        waiting = w.n > 0;
        if (!waiting) await new Promise((r) => setTimeout(r, 10));
      }
      release();
      const [one, two] = await Promise.all([a, b]);
      expect(waiting).toBe(true);
      expect(one.created).toBe(true);
      expect(two).toEqual({ id: one.id, created: false });
      const [row]: { ids: string[] }[] = await ds.query(
        `SELECT details->'notificationIds' AS ids FROM letter WHERE id = $1`,
        [one.id],
      );
      expect(row.ids).toEqual(notices.map((n) => n.id));
      await ds.query(`UPDATE patient_notification SET status = 'dispatched' WHERE patient_id = $1`, [
        patientId,
      ]);
    });

  it('confirms consent changes made together in one letter listing each', async () => {
    const patientId = await create('EP-5');
    const consent = (decision: 'permit' | 'deny', org: string): Consent => ({
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientId}` },
      provision: {
        type: decision,
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' },
              ],
            },
            reference: { reference: `Organization/${org}` },
          },
        ],
      },
    });
    const first = (await m.repo.create(CHU, 'Consent', consent('deny', 'cabinet'))).stored;
    const second = (await m.repo.create(CHU, 'Consent', consent('permit', 'urgences'))).stored;
    // Another agency's change the same day is its own letter.
    const third = (await m.repo.create(CABINET, 'Consent', consent('deny', 'chu'))).stored;
    for (const [stored, agency] of [
      [first, 'chu'],
      [second, 'chu'],
      [third, 'cabinet'],
    ] as const)
      await m.notifications.consentChanged(
        m.opened.dataSource.manager,
        patientId,
        stored.id,
        stored.versionId,
        agency,
      );
    await m.worker.pollOnce();
    await m.settled();
    const letters = (await m.worker.mailroom.listLetters({ patientId, kind: 'consent-change', limit: 10 }))
      .items;
    expect(letters).toHaveLength(2);
    const { pdf } = await printRun();
    expect(pdf.text).toContain('Modification 1');
    expect(pdf.text).toContain('Modification 2');
    expect(pdf.text).toContain('Cabinet du Dr Martin');
    expect(pdf.text).toContain('Urgences de Roubaix');
  });

  it('reverts and re-applies its migration: the episode indexes go and come back, letters stay', async () => {
    const ds = m.opened.dataSource;
    const indexes = async () =>
      (
        await ds.query<{ indexname: string }[]>(
          `SELECT indexname FROM pg_indexes WHERE tablename = 'letter' AND indexname LIKE 'letter_episode%'
            ORDER BY indexname`,
        )
      ).map((r) => r.indexname);
    expect(await indexes()).toEqual(['letter_episode', 'letter_episode_unsent']);
    const [{ n: before }] = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM letter`);
    for (let i = 0; i < 20; i++) {
      const [last] = await ds.query<{ name: string }[]>(
        `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
      );
      await ds.undoLastMigration();
      if (last?.name === 'LetterEpisodes1765740000000') break;
    }
    expect(await indexes()).toEqual([]);
    await ds.runMigrations();
    expect(await indexes()).toEqual(['letter_episode', 'letter_episode_unsent']);
    const [{ n: after }] = await ds.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM letter`);
    expect(after).toBe(before);
  });
});
