import { readFile } from 'node:fs/promises';
import type { Address } from 'fhir/r4';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { ADDRESS_BLOCK_MM, mmToPt } from '@passerelle/letters';
import { readPdf } from '@passerelle/letters/testing';
import { CHU, type MailroomFixture, openMailroom, patient, SURGERY } from './mailroom.fixtures';

/** A UK practice's patient, whose address has no country line, gets a letter posted abroad in UK order. */
describe.each(STORE_KINDS)('letters to addresses abroad on %s', (kind) => {
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

  const LONDON: Address = { line: ['Flat 2', '221B Baker Street'], city: 'London', postalCode: 'NW1 6XE' };

  async function letterFor(actor: typeof CHU, mrn: string, address: Address) {
    const id = (await m.repo.create(actor, 'Patient', patient(mrn, { address: [address] }))).stored.id;
    await m.notifications.breakGlass([
      { patientId: id, agency: 'urgences', reason: 'A&E', requestId: `req-${mrn}` },
    ]);
    await m.worker.pollOnce();
    await m.settled();
    return (await m.worker.mailroom.listLetters({ patientId: id, limit: 10 })).items[0];
  }

  it('reads an address without a country in its agency’s country, and prints it in that country’s order', async () => {
    const uk = await letterFor(SURGERY, 'UK-1', LONDON);
    expect(uk).toMatchObject({ status: 'pending' });
    // The same address recorded by a French agency is read as French: its postcode is not.
    const fr = await letterFor(CHU, 'UK-2', LONDON);
    expect(fr).toMatchObject({ status: 'held', heldReason: 'bad-postcode' });

    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const ready = await m.worker.mailroom.run(run?.id ?? '');
    expect(ready).toMatchObject({ status: 'ready', letters: 1 });
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(ready.id, 'pdf')).path));
    // The envelope window's column, top to bottom.
    const left = mmToPt(ADDRESS_BLOCK_MM.x);
    const window = pdf.pages[0].items
      .filter((i) => Math.abs(i.x - left) < 1 && i.str.trim())
      .sort((a, b) => b.y - a.y)
      .map((i) => i.str);
    expect(window).toEqual([
      'Élodie Lefèvre-UK-1',
      'Flat 2',
      '221B Baker Street',
      'LONDON',
      'NW1 6XE',
      'ROYAUME UNI',
    ]);
    const manifest = await readFile((await m.worker.mailroom.runFile(ready.id, 'manifest')).path, 'utf8');
    expect(manifest).toContain('"international"');
  });
});
