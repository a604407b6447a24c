import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Observation, Patient } from 'fhir/r4';
import { AuditQueries, AuditWriter } from '@passerelle/audit';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import {
  type LetterView,
  MAILROOM_SCHEMA,
  MailroomWorker,
  ONLINE_ACCOUNT_EXTENSION,
  readManifest,
  type RunView,
} from '@passerelle/mailroom';
import { FhirRepository } from '@passerelle/store';
import { InProcessDriver } from '@passerelle/sync';
import {
  privacyConsent,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { binary, eventually, pdfText } from './letters-helpers';

/**
 * The paper channel end to end: agencies on a real hub, a break-glass access through the FHIR
 * API, the notice it leaves, the mailroom turning it into one letter of the next print run (or
 * an online Communication, or a held letter), the PDF read back, returned mail.
 * Part one drives the mailroom's classes on the hub's own database; part two drives the same
 * through the hub's admin API (it needs the mailroom wired into the hub: see docs/mailroom.md).
 */

const FHIR_JSON = 'application/fhir+json';
const REASON = 'Patiente inconsciente aux urgences';
const HOME: Address = { line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' };
type Agent = ReturnType<typeof request.agent>;

function patient(mrn: string, extra: Partial<Patient>): Patient {
  return {
    resourceType: 'Patient',
    identifier: [{ system: 'https://chu.example/mrn', value: mrn }],
    name: [{ given: ['Maëlle'], family: `Le Gall-${mrn}` }],
    ...extra,
  };
}

/** The hospital's patients, each objecting to sharing, each read once by the emergency department with break-glass. */
async function scenario(hub: TestHub) {
  const as = (token: string): Agent => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const chu = as(await (await registerAgency(hub, { id: 'chu' })).token());
  const urgences = await registerAgency(hub, { id: 'urgences' });
  const post = async (body: object) =>
    (
      await chu
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body.id as string;
  const ids = {
    paper: await post(patient('P-1', { address: [HOME] })),
    online: await post(
      patient('P-2', { address: [HOME], extension: [{ url: ONLINE_ACCOUNT_EXTENSION, valueBoolean: true }] }),
    ),
    noAddress: await post(patient('P-3', {})),
  };
  const glass = as(
    await urgences.token({
      purposeOfUse: 'ETREAT',
      breakGlassReason: REASON,
      practitioner: 'Dr Karim Benali',
    }),
  );
  for (const id of Object.values(ids)) {
    await post(privacyConsent(id, 'chu', { type: 'deny' }));
    const observation: Observation = {
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'Allergy check' },
      subject: { reference: `Patient/${id}` },
    };
    const obs = await post(observation);
    await glass.get(`/fhir/Observation/${obs}`).expect(200);
  }
  /** Another break-glass read of the same patient (a new request, a new event). */
  const glassAgain = async (id: string) => {
    const obs = await post({
      resourceType: 'Observation',
      status: 'final',
      code: { text: 'x' },
      subject: { reference: `Patient/${id}` },
    });
    await glass.get(`/fhir/Observation/${obs}`).expect(200);
  };
  return { ids, glassAgain };
}

/** Until hub-schemas.ts lists MAILROOM_SCHEMA, part one creates the mailroom's tables itself. */
async function ensureMailroomTables(dataSource: DataSource): Promise<void> {
  const [{ exists }]: { exists: boolean }[] = await dataSource.query(
    `SELECT to_regclass('letter') IS NOT NULL AS exists`,
  );
  if (exists) return;
  const runner = dataSource.createQueryRunner();
  try {
    for (const Migration of MAILROOM_SCHEMA.migrations) await new Migration().up(runner);
  } finally {
    await runner.release();
  }
}

describe.each(STORE_KINDS)('letters on a real hub (%s): the mailroom classes', (kind) => {
  let hub: TestHub;
  let worker: MailroomWorker;
  let queue: InProcessDriver;
  let outputDir: string;
  let ids: Awaited<ReturnType<typeof scenario>>['ids'];
  let glassAgain: Awaited<ReturnType<typeof scenario>>['glassAgain'];
  const lettersOf = async (patientId: string) =>
    (await worker.mailroom.listLetters({ patientId, limit: 100 })).items;
  const breakGlassOf = async (patientId: string) =>
    (await lettersOf(patientId)).filter((l) => l.kind === 'break-glass');
  const settled = () =>
    eventually(async () => {
      const counts = await Promise.all([queue.counts('letter'), queue.counts('print-run')]);
      return counts.every((c) => c.waiting + c.active + c.delayed === 0) ? true : undefined;
    }, 'the mailroom queues');

  beforeAll(async () => {
    // The hub's own workers off: this part drives the mailroom by hand, on the hub's database.
    hub = await startTestHub(kind, { env: { SYNC_WORKER: 'off' } });
    const dataSource = hub.app.get(DataSource);
    await ensureMailroomTables(dataSource);
    outputDir = mkdtempSync(join(tmpdir(), 'passerelle-letters-e2e-'));
    queue = new InProcessDriver({ defaults: { backoffMs: 10 } });
    const mpi = hub.app.get(PatientIndex);
    const agencies = hub.app.get(AgencyService);
    worker = new MailroomWorker(
      {
        dataSource,
        repo: hub.app.get(FhirRepository),
        audit: hub.app.get(AuditWriter),
        linkedPatients: (db, id) => mpi.linkedPatients(db, id),
        agencyName: async (id) => (await agencies.find(id))?.name,
        queue,
      },
      {
        outputDir,
        sender: { service: 'Passerelle Hauts-de-France', addressLines: ['12 rue de la Paix', '59000 Lille'] },
      },
    );
    await worker.start({ poll: false });
    ({ ids, glassAgain } = await scenario(hub));
    await worker.pollOnce();
    await settled();
  });
  afterAll(async () => {
    await worker.stop();
    await queue.close();
    await hub.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  it('puts exactly one break-glass letter for a patient without an account in the next run; the PDF names the agency and the reason; the CSV lists it; it is audited', async () => {
    const [letter, ...more] = await breakGlassOf(ids.paper);
    expect(more).toEqual([]);
    expect(letter.status).toBe('pending');
    await worker.pollOnce(); // a second pass makes nothing new
    await settled();
    expect(await breakGlassOf(ids.paper)).toHaveLength(1);

    const run = await worker.mailroom.createRun();
    await settled();
    const ready = await worker.mailroom.run(run?.id ?? '');
    expect(ready.status).toBe('ready');
    const pdf = await pdfText(await readFile((await worker.mailroom.runFile(ready.id, 'pdf')).path));
    expect(pdf.pages).toBe(ready.pages);
    expect(pdf.text).toContain('Test agency urgences');
    expect(pdf.text).toContain(REASON);
    expect(pdf.text).toContain(letter.reference);
    const manifest = await readManifest((await worker.mailroom.runFile(ready.id, 'manifest')).path);
    expect(manifest.map((e) => e.letterId)).toContain(letter.id);

    const printed = (await worker.mailroom.listLetters({ runId: ready.id, limit: 100 })).items;
    const audits = await new AuditQueries(hub.app.get(DataSource)).search({
      agency: 'hub',
      subtype: 'letter',
      count: 100,
    });
    for (const l of printed)
      expect(audits.events.filter((e) => JSON.stringify(e).includes(l.id))).toHaveLength(1);
    expect(printed.length).toBe(manifest.length);
  });

  it('tells a patient with an online account by a Communication instead of a letter', async () => {
    const [letter, ...more] = await breakGlassOf(ids.online);
    expect(more).toEqual([]);
    expect(letter).toMatchObject({ status: 'digital', communicationId: letter.id });
  });

  it('holds the letter of a patient without an address, with the reason the operator sees', async () => {
    const [letter] = await breakGlassOf(ids.noAddress);
    expect(letter).toMatchObject({ status: 'held', heldReason: 'no-address' });
    expect(letter.heldMessage).toMatch(/No postal address/);
  });

  it('flags the address of a returned letter: the next letter to it is held', async () => {
    const [letter] = await breakGlassOf(ids.paper);
    await worker.mailroom.markPosted(letter.runId ?? '');
    const returned = await worker.mailroom.markReturned(letter.id);
    expect(returned).toMatchObject({ addressFlagged: true, agenciesTold: ['chu'] });
    await glassAgain(ids.paper);
    await worker.pollOnce();
    await settled();
    const next = (await breakGlassOf(ids.paper)).find((l) => l.id !== letter.id);
    expect(next).toMatchObject({ status: 'held', heldReason: 'address-returned' });
  });
});

describe.each(STORE_KINDS)('letters on a real hub (%s): the mailroom admin API', (kind) => {
  let hub: TestHub;
  let ids: Awaited<ReturnType<typeof scenario>>['ids'];
  let glassAgain: Awaited<ReturnType<typeof scenario>>['glassAgain'];
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-letters-api-'));
  const bearer = `Bearer ${TEST_ADMIN_TOKEN}`;
  const get = (path: string) => request(hub.url).get(path).set('authorization', bearer);
  const post = (path: string) => request(hub.url).post(path).set('authorization', bearer);
  const breakGlassOf = async (patientId: string, status?: string) => {
    const res = await get(`/admin/mailroom/letters?patient=${patientId}`).expect(200);
    const found = (res.body as { items: LetterView[] }).items.filter((l) => l.kind === 'break-glass');
    return found.length > 0 && (status === undefined || found.every((l) => l.status === status))
      ? found
      : undefined;
  };

  beforeAll(async () => {
    // The mailroom's settings (MAILROOM_*), validated with the hub's at start-up.
    hub = await startTestHub(kind, { env: { MAILROOM_DIR: outputDir, MAILROOM_POLL_INTERVAL_MS: '50' } });
    ({ ids, glassAgain } = await scenario(hub));
  });
  afterAll(async () => {
    await hub.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  it('is behind the operator credential and in the admin API document', async () => {
    await request(hub.url).get('/admin/mailroom/letters').expect(401);
    const docs = await request(hub.url).get('/admin/docs-json').expect(200);
    expect(Object.keys((docs.body as { paths: object }).paths)).toContain('/admin/mailroom/runs/{id}/pdf');
  });

  it('turns the break-glass access into one letter of the next run, online notice or held letter, and flags returned mail', async () => {
    const [letter] = await eventually(() => breakGlassOf(ids.paper, 'pending'), 'the letter');
    expect(await eventually(() => breakGlassOf(ids.online, 'digital'), 'the online notice')).toHaveLength(1);
    const [held] = await eventually(() => breakGlassOf(ids.noAddress, 'held'), 'the held letter');
    expect(held.heldReason).toBe('no-address');
    const heldList = (await get('/admin/mailroom/letters?status=held').expect(200)).body as {
      items: LetterView[];
    };
    expect(heldList.items.map((l) => l.id)).toContain(held.id);

    const created = (await post('/admin/mailroom/runs').expect(200)).body as { run: RunView };
    const ready = await eventually(async () => {
      const run = (await get(`/admin/mailroom/runs/${created.run.id}`).expect(200)).body as RunView;
      return run.status === 'ready' ? run : undefined;
    }, 'the run');
    const pdf = await get(`/admin/mailroom/runs/${ready.id}/pdf`).buffer(true).parse(binary).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(pdf.body as Buffer);
    expect(text.text).toContain('Test agency urgences');
    expect(text.text).toContain(REASON);
    const csv = await get(`/admin/mailroom/runs/${ready.id}/manifest`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text).toContain(letter.id);
    expect(((await post('/admin/mailroom/runs').expect(200)).body as { run: RunView | null }).run).toBeNull();

    await post(`/admin/mailroom/runs/${ready.id}/printed`).expect(200);
    expect((await post(`/admin/mailroom/runs/${ready.id}/posted`).expect(200)).body).toMatchObject({
      status: 'posted',
    });
    const returned = await post(`/admin/mailroom/letters/${letter.id}/returned`).expect(200);
    expect(returned.body).toMatchObject({
      addressFlagged: true,
      agenciesTold: ['chu'],
      letter: { status: 'returned' },
    });
    await post(`/admin/mailroom/letters/${held.id}/returned`).expect(409);
    await get('/admin/mailroom/letters/00000000-0000-4000-8000-000000000000').expect(404);

    await glassAgain(ids.paper);
    const again = await eventually(async () => {
      const all = (await breakGlassOf(ids.paper)) ?? [];
      return all.find((l) => l.id !== letter.id && l.status === 'held');
    }, 'the next letter');
    expect(again.heldReason).toBe('address-returned');
    await post(`/admin/mailroom/letters/${again.id}/cancel`).expect(200);
  });
});
