import { readFile } from 'node:fs/promises';
import type { Communication, Observation, Patient } from 'fhir/r4';
import { qualifiedInsExtension } from '@passerelle/identity';
import type { AuditInput } from '@passerelle/audit';
import { parseStored } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing';
import { readPdf } from '@passerelle/letters/testing';
import { uuidFrom } from './communications';
import {
  CABINET,
  CHU,
  HOME,
  type MailroomFixture,
  ONLINE,
  openMailroom,
  patient,
  storedCommunication,
} from './mailroom.fixtures';

const INS = { system: 'urn:oid:1.2.250.1.213.1.4.8', value: '275034412345657' };
/** A qualified INS identity with its traits: what lets an INS link records. */
const QUALIFIED: Partial<Patient> = {
  extension: [qualifiedInsExtension()],
  name: [{ use: 'official', given: ['Élodie'], family: 'Lefèvre-RET-1' }],
  birthDate: '1975-03-04',
  gender: 'female',
};

describe.each(STORE_KINDS)('mailroom operators on %s', (kind) => {
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

  const read = (who: string, patientId: string, extra: Partial<AuditInput> = {}): AuditInput => ({
    interaction: 'read',
    outcome: 'success',
    agency: who,
    clientId: who,
    purposeOfUse: 'TREAT',
    patientId,
    resourceType: 'Observation',
    requestId: `req-${who}-${patientId}`,
    ...extra,
  });
  const lettersOf = async (patientId: string) =>
    (await m.worker.mailroom.listLetters({ patientId, limit: 100 })).items;
  async function printAndPost(): Promise<string> {
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    await m.worker.mailroom.markPosted(run?.id ?? '');
    return run?.id ?? '';
  }

  it('flags the address of a returned letter, tells every agency holding a record, and holds the next letter until the address changes', async () => {
    // One person, two records (a hospital's and a GP's), linked by their qualified national id.
    const hospital = (
      await m.repo.create(
        CHU,
        'Patient',
        patient('RET-1', { ...QUALIFIED, identifier: [INS], address: [HOME] }),
      )
    ).stored.id;
    const gp = (
      await m.repo.create(CABINET, 'Patient', patient('RET-1', { ...QUALIFIED, identifier: [INS] }))
    ).stored.id;
    expect(await m.index.linkedPatients(m.opened.dataSource.manager, hospital)).toContain(gp);
    await m.notifications.breakGlass([
      { patientId: hospital, agency: 'urgences', reason: 'A&E', requestId: 'r-ret-1' },
    ]);
    await m.worker.pollOnce();
    await m.settled();
    await printAndPost();
    const [first] = await lettersOf(hospital);
    expect(first.status).toBe('posted');

    const returned = await m.worker.mailroom.markReturned(first.id);
    expect(returned).toMatchObject({ addressFlagged: true, letter: { status: 'returned' } });
    expect(returned.agenciesTold.sort()).toEqual(['cabinet', 'chu']);
    const toChu = await storedCommunication(m.repo, uuidFrom('returned-mail', first.id, 'chu'));
    const notice = parseStored<Communication>(toChu ?? never());
    expect(notice).toMatchObject({
      recipient: [{ reference: 'Organization/chu' }],
      subject: { reference: `Patient/${hospital}` },
      category: [{ coding: [{ code: 'notification' }] }],
    });
    expect(JSON.stringify(notice)).toContain(first.reference);
    // Marking it again tells nobody twice.
    await m.worker.mailroom.markReturned(first.id);
    expect((await storedCommunication(m.repo, notice.id ?? ''))?.versionId).toBe(1);

    await m.notifications.breakGlass([
      { patientId: gp, agency: 'urgences', reason: 'A&E', requestId: 'r-ret-2' },
    ]);
    await m.worker.pollOnce();
    await m.settled();
    const second = (await lettersOf(gp))[0];
    expect(second).toMatchObject({ status: 'held', heldReason: 'address-returned' });

    // Still the same address: released, it is held again.
    await m.worker.mailroom.release(second.id);
    await m.settled();
    expect(await m.worker.mailroom.letter(second.id)).toMatchObject({ heldReason: 'address-returned' });
    // The hospital records a new address: the letter can go.
    const current = parseStored(await m.repo.internal.read('Patient', hospital));
    await m.repo.update(CHU, 'Patient', hospital, {
      ...current,
      address: [{ line: ['3 place du Théâtre'], postalCode: '59000', city: 'Lille' }],
    });
    await m.worker.mailroom.release(second.id);
    await m.settled();
    expect(await m.worker.mailroom.letter(second.id)).toMatchObject({ status: 'pending' });
  });

  it('refuses to mark returned a letter that was never posted', async () => {
    const id = (await m.repo.create(CHU, 'Patient', patient('RET-2', { address: [HOME] }))).stored.id;
    await m.notifications.breakGlass([
      { patientId: id, agency: 'urgences', reason: 'A&E', requestId: 'r-ret-3' },
    ]);
    await m.worker.pollOnce();
    await m.settled();
    const [letter] = await lettersOf(id);
    await expect(m.worker.mailroom.markReturned(letter.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(m.worker.mailroom.markReturned('not-a-letter')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('sends periodic access reports to people without an account who had accesses, once per period', async () => {
    const paperOnly = (await m.repo.create(CHU, 'Patient', patient('AR-1', { address: [HOME] }))).stored.id;
    const online = (
      await m.repo.create(CHU, 'Patient', patient('AR-2', { address: [HOME], extension: [ONLINE] }))
    ).stored.id;
    const quiet = (await m.repo.create(CHU, 'Patient', patient('AR-3', { address: [HOME] }))).stored.id;
    const start = new Date(Date.now() - 60_000);
    await m.audit.record([
      read('cabinet', paperOnly),
      read('cabinet', online),
      read('chu', paperOnly, { outcome: 'denied' }),
    ]);
    const end = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5)); // `end` must not be in the future

    const first = await m.worker.mailroom.requestAccessReports(start, end);
    expect(first.letters).toBeGreaterThanOrEqual(1);
    expect(first.online).toBeGreaterThanOrEqual(1);
    expect((await m.worker.mailroom.requestAccessReports(start, end)).letters).toBe(0);
    await m.settled();
    expect((await lettersOf(paperOnly)).map((l) => l.kind)).toEqual(['access-report']);
    expect(await lettersOf(online)).toEqual([]);
    expect(await lettersOf(quiet)).toEqual([]);
    await expect(m.worker.mailroom.requestAccessReports(end, start)).rejects.toMatchObject({
      code: 'invalid',
    });

    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    expect(pdf.text).toContain('Cabinet du Dr Martin');
  });

  it('holds an access report too long for one envelope when the run is rendered, and prints the rest', async () => {
    const busy = (await m.repo.create(CHU, 'Patient', patient('LONG-1', { address: [HOME] }))).stored.id;
    const start = new Date(Date.now() - 60_000);
    // 400 different practitioners: 400 lines, far more than 10 pages.
    await m.audit.record(
      Array.from({ length: 400 }, (_, i) =>
        read('chu', busy, { practitioner: `Dr P${i}`, requestId: `long-${i}` }),
      ),
    );
    const end = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5));
    await m.worker.mailroom.requestAccessReports(start, end);
    await m.settled();
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    expect(await m.worker.mailroom.run(run?.id ?? '')).toMatchObject({ status: 'ready', held: 1 });
    const [letter] = await lettersOf(busy);
    expect(letter).toMatchObject({ status: 'held', heldReason: 'too-long' });
    expect(letter.runId).toBeUndefined();
  });

  it('posts a summary of the record on request, leaving sensitive data out of the paper copy', async () => {
    const id = (await m.repo.create(CHU, 'Patient', patient('SUM-1', { address: [HOME] }))).stored.id;
    const observation = (code: string, text: string, security?: Observation['meta']): Observation => ({
      resourceType: 'Observation',
      ...(security ? { meta: security } : {}),
      status: 'final',
      category: [
        {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' },
          ],
        },
      ],
      code: { coding: [{ system: 'http://loinc.org', code }], text },
      subject: { reference: `Patient/${id}` },
      effectiveDateTime: '2025-03-01T10:00:00Z',
      valueQuantity: { value: 6.8, unit: '%' },
    });
    await m.repo.create(CHU, 'Observation', observation('4548-4', 'Hémoglobine glyquée'));
    await m.repo.create(
      CHU,
      'Observation',
      observation('5221-7', 'Sérologie VIH', {
        security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' }],
      }),
    );
    const letter = await m.worker.mailroom.requestSummary(id, 'phone-call-1');
    expect((await m.worker.mailroom.requestSummary(id, 'phone-call-1')).id).toBe(letter.id);
    await expect(m.worker.mailroom.requestSummary('nobody')).rejects.toMatchObject({ code: 'not-found' });
    await m.settled();
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    expect(pdf.text).toContain('Hémoglobine glyquée');
    expect(pdf.text).not.toContain('VIH');
  });
});

function never(): never {
  throw new Error('expected a stored resource');
}
