import { readFile } from 'node:fs/promises';
import { createTestDatabase, STORE_KINDS, type TestDatabase } from '@passerelle/testing-lib';
import { MAX_PAGES } from '@passerelle/letters';
import { readPdf } from '@passerelle/letters/testing';
import { CHU, HOME, type MailroomFixture, openMailroom, patient } from './mailroom.fixtures';
import { readManifest } from './manifest-reader';

/** A summary of a long record goes out in several envelopes instead of waiting for an operator. */
describe.each(STORE_KINDS)('a long summary by post on %s', (kind) => {
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

  it('prints it in envelopes of at most ten pages, one manifest row each, and counts the letter once', async () => {
    const id = (await m.repo.create(CHU, 'Patient', patient('LONGSUM-1', { address: [HOME] }))).stored.id;
    for (let i = 0; i < 300; i++)
      await m.repo.create(CHU, 'Condition', {
        resourceType: 'Condition',
        clinicalStatus: {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
        },
        code: { text: `Problème suivi numéro ${i + 1}` },
        subject: { reference: `Patient/${id}` },
        onsetDateTime: '2015-03-01',
      });
    const letter = await m.worker.mailroom.requestSummary(id, 'long-1');
    await m.settled();
    const run = await m.worker.mailroom.createRun();
    await m.settled();
    const ready = await m.worker.mailroom.run(run?.id ?? '');
    expect(ready).toMatchObject({ status: 'ready', letters: 1, held: 0 });

    const manifest = await readManifest((await m.worker.mailroom.runFile(ready.id, 'manifest')).path);
    expect(manifest.length).toBeGreaterThanOrEqual(2);
    expect(manifest.every((row) => row.letterId === letter.id && row.pages <= MAX_PAGES)).toBe(true);
    const csv = await readFile((await m.worker.mailroom.runFile(ready.id, 'manifest')).path, 'utf8');
    expect(csv).toContain(`"1 of ${manifest.length}"`);
    expect(csv).toContain(`"${manifest.length} of ${manifest.length}"`);

    const pdf = await readPdf(await readFile((await m.worker.mailroom.runFile(ready.id, 'pdf')).path));
    expect(pdf.text).toContain(`Enveloppe 1 sur ${manifest.length}`);
    expect(pdf.text).toContain('Problème suivi numéro 1 ');
    expect(pdf.text).toContain('Problème suivi numéro 300 ');
    // The letter row counts all its pages; it is printed, not held.
    expect(await m.worker.mailroom.letter(letter.id)).toMatchObject({
      status: 'in-run',
      pages: manifest.reduce((n, row) => n + row.pages, 0),
    });
  });
});
