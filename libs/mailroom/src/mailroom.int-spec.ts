import { readFile, stat } from 'node:fs/promises';
import type { Communication, Consent } from 'fhir/r4';
import { AuditQueries } from '@passerelle/audit';
import { parseStored } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { readPdf } from '@passerelle/letters/testing';
import {
  CHU,
  HOME,
  type MailroomFixture,
  ONLINE,
  openMailroom,
  patient,
  storedCommunication,
} from './mailroom.fixtures';
import { readManifest } from './manifest-reader';

describe.each(STORE_KINDS)('the mailroom on %s', (kind) => {
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

  const create = async (mrn: string, extra: Parameters<typeof patient>[1] = {}) =>
    (await m.repo.create(CHU, 'Patient', patient(mrn, extra))).stored.id;

  /** A break-glass read by the emergency department, audited as the hub audits it, then the notice. */
  async function breakGlass(
    patientId: string,
    requestId: string,
    reason = 'Patiente inconsciente aux urgences',
  ) {
    await m.audit.record([
      {
        interaction: 'read',
        outcome: 'success',
        agency: 'urgences',
        clientId: 'urgences',
        purposeOfUse: 'ETREAT',
        breakGlassReason: reason,
        patientId,
        resourceType: 'AllergyIntolerance',
        resourceId: 'a1',
        requestId,
      },
    ]);
    await m.notifications.breakGlass([
      { patientId, agency: 'urgences', practitioner: 'Dr Karim Benali', reason, requestId },
    ]);
  }

  const lettersOf = async (patientId: string) =>
    (await m.worker.mailroom.listLetters({ patientId, limit: 100 })).items;

  it('turns a break-glass notice for a patient without an account into exactly one letter of the next run, audited', async () => {
    const patientId = await create('BG-1', { address: [HOME] });
    await breakGlass(patientId, 'req-bg-1');
    await breakGlass(patientId, 'req-bg-1'); // the same event again: still one notice
    expect(await m.worker.pollOnce()).toBe(1);
    await m.settled();
    // Processed twice (a crash between two steps, a second worker): still one letter.
    await m.opened.dataSource.query(`UPDATE patient_notification SET status = 'pending'`);
    expect(await m.worker.pollOnce()).toBe(0);
    await m.settled();
    const letters = await lettersOf(patientId);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      kind: 'break-glass',
      status: 'pending',
      language: 'fr',
      largePrint: false,
    });
    expect(await m.worker.dispatch(letters[0].id)).toBe('pending');

    const run = await m.worker.mailroom.createRun();
    expect(run).toMatchObject({ status: 'building', gathered: 1 });
    expect(await m.worker.mailroom.createRun()).toBeUndefined(); // nothing else waits
    await m.settled();
    const ready = await m.worker.mailroom.run(run?.id ?? '');
    expect(ready).toMatchObject({ status: 'ready', letters: 1, held: 0 });

    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(ready.id, 'pdf')).path));
    expect(pdf.pages).toHaveLength(ready.pages);
    expect(pdf.text).toContain('Urgences de Roubaix');
    expect(pdf.text).toContain('Patiente inconsciente aux urgences');
    expect(pdf.text).toContain('Dr Karim Benali');
    expect(pdf.text).toContain(letters[0].reference);
    const manifest = await readManifest((await m.worker.mailroom.runFile(ready.id, 'manifest')).path);
    expect(manifest).toEqual([{ letterId: letters[0].id, pages: ready.pages }]);
    const csv = await readFile((await m.worker.mailroom.runFile(ready.id, 'manifest')).path, 'utf8');
    expect(csv).not.toContain('Lefèvre'); // no name in the manifest
    // Names and addresses: readable by the mailroom's user only, whatever the process's umask.
    for (const kind of ['pdf', 'manifest'] as const)
      expect((await stat((await m.worker.mailroom.runFile(ready.id, kind)).path)).mode & 0o777).toBe(0o600);

    const audits = await new AuditQueries(m.opened.dataSource).search({
      patient: [patientId],
      agency: 'hub',
      subtype: 'letter',
      count: 10,
    });
    expect(audits.events).toHaveLength(1);
    expect(JSON.stringify(audits.events[0])).toContain(letters[0].id);

    expect(await m.worker.mailroom.markPrinted(ready.id)).toMatchObject({ status: 'printed' });
    expect(await m.worker.mailroom.markPosted(ready.id)).toMatchObject({ status: 'posted' });
    expect(await m.worker.mailroom.markPosted(ready.id)).toMatchObject({ status: 'posted' });
    expect(await m.worker.mailroom.letter(letters[0].id)).toMatchObject({
      status: 'posted',
      pages: ready.pages,
    });
  });

  it('tells a patient with an online account by a Communication instead, once, without the clinical reason', async () => {
    const patientId = await create('ONLINE-1', { address: [HOME], extension: [ONLINE] });
    await breakGlass(patientId, 'req-online-1', 'Suspicion d’infarctus');
    await m.worker.pollOnce();
    await m.settled();
    const [letter] = await lettersOf(patientId);
    expect(letter).toMatchObject({ status: 'digital', communicationId: letter.id });
    // Decided again (as after a crash): the same Communication, not a second one.
    await m.opened.dataSource.query(`UPDATE letter SET status = 'new' WHERE id = $1`, [letter.id]);
    expect(await m.worker.dispatch(letter.id)).toBe('digital');
    const stored = await storedCommunication(m.repo, letter.id);
    expect(stored?.versionId).toBe(1);
    expect(stored?.sourceAgency).toBe('hub');
    const communication = parseStored<Communication>(stored ?? never());
    expect(communication).toMatchObject({
      status: 'completed',
      subject: { reference: `Patient/${patientId}` },
      category: [{ coding: [{ code: 'notification' }] }],
    });
    const text = JSON.stringify(communication.payload);
    expect(text).toContain('Urgences de Roubaix');
    expect(text).not.toContain('infarctus');
  });

  it('holds a letter without an address with the reason, and releases it once the record has one', async () => {
    const patientId = await create('NOADDR-1');
    await breakGlass(patientId, 'req-noaddr-1');
    await m.worker.pollOnce();
    await m.settled();
    const [held] = await lettersOf(patientId);
    expect(held).toMatchObject({ status: 'held', heldReason: 'no-address' });
    expect(held.heldMessage).toMatch(/No postal address/);
    expect(
      (await m.worker.mailroom.listLetters({ status: 'held', limit: 100 })).items.map((l) => l.id),
    ).toContain(held.id);

    const current = parseStored(await m.repo.internal.read('Patient', patientId));
    await m.repo.update(CHU, 'Patient', patientId, { ...current, address: [HOME] });
    await m.worker.mailroom.release(held.id);
    await m.settled();
    expect(await m.worker.mailroom.letter(held.id)).toMatchObject({ status: 'pending' });
    await expect(m.worker.mailroom.release(held.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('holds letters to a deceased patient and to an address that says "no fixed abode"', async () => {
    const dead = await create('DEAD-1', { address: [HOME], deceasedDateTime: '2025-01-02' });
    const sdf = await create('SDF-1', { address: [{ line: ['SDF'], postalCode: '59000', city: 'Lille' }] });
    await breakGlass(dead, 'req-dead-1');
    await breakGlass(sdf, 'req-sdf-1');
    await m.worker.pollOnce();
    await m.settled();
    expect((await lettersOf(dead))[0]).toMatchObject({ status: 'held', heldReason: 'deceased' });
    expect((await lettersOf(sdf))[0]).toMatchObject({ status: 'held', heldReason: 'no-fixed-abode' });
    const cancelled = await m.worker.mailroom.cancel((await lettersOf(sdf))[0].id);
    expect(cancelled.status).toBe('cancelled');
  });

  it('confirms a consent change by letter, listing its rules with agency names', async () => {
    const patientId = await create('CONSENT-1', {
      address: [HOME],
      communication: [{ language: { coding: [{ code: 'en' }] }, preferred: true }],
    });
    const consent: Consent = {
      resourceType: 'Consent',
      status: 'active',
      scope: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
      },
      category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
      patient: { reference: `Patient/${patientId}` },
      provision: {
        type: 'deny',
        actor: [
          {
            role: {
              coding: [
                { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' },
              ],
            },
            reference: { reference: 'Organization/cabinet' },
          },
        ],
      },
    };
    const stored = (await m.repo.create(CHU, 'Consent', consent)).stored;
    await m.notifications.consentChanged(
      m.opened.dataSource.manager,
      patientId,
      stored.id,
      stored.versionId,
      'chu',
    );
    await m.worker.pollOnce();
    await m.settled();
    const [letter] = await lettersOf(patientId);
    expect(letter).toMatchObject({ kind: 'consent-change', status: 'pending', language: 'en' });
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    expect(pdf.text).toContain('Cabinet du Dr Martin');
    expect(pdf.text).toContain('CHU de Lille');
  });
});

function never(): never {
  throw new Error('expected a stored Communication');
}
