import { readFile } from 'node:fs/promises';
import { createCanvas, loadImage } from '@napi-rs/canvas';
import { parseStored } from '@passerelle/store';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { readPdf } from '@passerelle/letters/testing';
import { CHU, type MailroomFixture, openMailroom, patient } from './mailroom.fixtures';

/** The share of a PNG's pixels that are not near white. */
async function inked(png: Buffer): Promise<{ width: number; height: number; share: number }> {
  const image = await loadImage(png);
  const canvas = createCanvas(image.width, image.height);
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, image.width, image.height);
  let dark = 0;
  for (let i = 0; i < data.length; i += 4)
    if (data[i] < 200 || data[i + 1] < 200 || data[i + 2] < 200) dark++;
  return { width: image.width, height: image.height, share: dark / (data.length / 4) };
}

const FIXED = {
  recipient: 'Mme Jeanne Durand',
  lines: ['Appartement 4', '12 rue Nationale'],
  postalCode: '59000',
  city: 'Lille',
};

describe.each(STORE_KINDS)('an operator’s address fix on %s', (kind) => {
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

  async function heldLetter(mrn: string): Promise<{ patientId: string; letterId: string }> {
    const badPostcode = { line: ['12 rue Nationale'], postalCode: '5900', city: 'Lille' };
    const patientId = (await m.repo.create(CHU, 'Patient', patient(mrn, { address: [badPostcode] }))).stored
      .id;
    await m.notifications.breakGlass([
      { patientId, agency: 'urgences', reason: 'A&E', requestId: `r-${mrn}` },
    ]);
    await m.worker.pollOnce();
    await m.settled();
    const [letter] = (await m.worker.mailroom.listLetters({ patientId, limit: 10 })).items;
    expect(letter).toMatchObject({ status: 'held', heldReason: 'bad-postcode' });
    return { patientId, letterId: letter.id };
  }

  it('refuses an address that fails the checks, keeps a passing one, releases the letter, and prints with it', async () => {
    const { patientId, letterId } = await heldLetter('FIX-1');
    const shown = await m.worker.mailroom.letterAddress(letterId);
    expect(shown.input).toMatchObject({ postalCode: '5900', city: 'Lille' });
    expect(shown.check).toMatchObject({ ok: false, reason: 'bad-postcode' });
    expect(shown.fixed).toBeUndefined();

    const refused = await m.worker.mailroom.fixAddress(
      letterId,
      { ...FIXED, postalCode: '00000' },
      'account:anne',
    );
    expect(refused).toEqual({ check: expect.objectContaining({ ok: false, reason: 'bad-postcode' }) });
    expect(await m.worker.mailroom.letter(letterId)).toMatchObject({ status: 'held' });
    expect(await m.opened.dataSource.query(`SELECT 1 FROM mailroom_address_fix`)).toEqual([]);

    const seen: string[] = [];
    const fixed = await m.worker.mailroom.fixAddress(letterId, FIXED, 'account:anne', async (db, letter) => {
      // Inside the fix's transaction: the fix is there, the letter released.
      const [row] = await db.query<{ fixed_by: string }[]>(
        `SELECT fixed_by FROM mailroom_address_fix WHERE patient_id = $1`,
        [patientId],
      );
      seen.push(`${row.fixed_by} ${letter.status}`);
    });
    expect(seen).toEqual(['account:anne new']);
    expect(fixed.check).toMatchObject({
      ok: true,
      lines: ['Mme Jeanne Durand', 'APPARTEMENT 4', '12 RUE NATIONALE', '59000 LILLE'],
    });
    await m.settled();
    expect(await m.worker.mailroom.letter(letterId)).toMatchObject({ status: 'pending' });
    expect(await m.worker.mailroom.letterAddress(letterId)).toMatchObject({
      input: { postalCode: '59000' },
      check: { ok: true },
      fixed: { by: 'account:anne' },
    });
    await expect(m.worker.mailroom.fixAddress(letterId, FIXED, 'account:anne')).rejects.toMatchObject({
      code: 'conflict',
    });

    const run = await m.worker.mailroom.createRun();
    await m.settled();
    expect(await m.worker.mailroom.run(run?.id ?? '')).toMatchObject({
      status: 'ready',
      letters: 1,
      held: 0,
    });
    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(run?.id ?? '', 'pdf')).path));
    // The window carries the operator's address (capitals, as the checks normalised it).
    const page = pdf.pages[0].text;
    for (const line of ['Mme Jeanne Durand', 'APPARTEMENT 4', '12 RUE NATIONALE', '59000 LILLE'])
      expect(page).toContain(line);
  });

  it('gives way to the agency’s data once a record of the person changes after it', async () => {
    const { patientId, letterId } = await heldLetter('FIX-2');
    await m.worker.mailroom.fixAddress(letterId, FIXED, 'account:anne');
    await m.settled();
    expect(await m.worker.mailroom.letter(letterId)).toMatchObject({ status: 'pending' });
    // The hospital records the person again, still with a four-digit postal code: its newer data
    // is the truth, so the next letter is held again.
    const current = parseStored(await m.repo.internal.read('Patient', patientId));
    await m.repo.update(CHU, 'Patient', patientId, { ...current, gender: 'female' });
    // Another agency's emergency access: a new episode, so a letter of its own (episodes.ts).
    await m.notifications.breakGlass([{ patientId, agency: 'samu', reason: 'again', requestId: 'r-fix-2b' }]);
    await m.worker.pollOnce();
    await m.settled();
    const letters = (await m.worker.mailroom.listLetters({ patientId, limit: 10 })).items;
    expect(letters.map((l) => l.status).sort()).toEqual(['held', 'pending']);
    expect((await m.worker.mailroom.letterAddress(letterId)).fixed).toBeUndefined();
  });

  it('previews a letter’s first page as a PNG, with a placeholder in the window while its address is held', async () => {
    const { letterId } = await heldLetter('FIX-3');
    const { letter, image } = await m.worker.mailroom.preview(letterId);
    expect(letter).toMatchObject({ id: letterId, status: 'held' });
    const read = await inked(image.png);
    expect([read.width, read.height]).toEqual([893, 1263]);
    expect(read.share).toBeGreaterThan(0.005);
    expect(read.share).toBeLessThan(0.3);
    await expect(m.worker.mailroom.preview('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({
      code: 'not-found',
    });
  });
});
