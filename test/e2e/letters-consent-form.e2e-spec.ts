import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Address, Consent, Observation, Patient } from 'fhir/r4';
import { AuditQueries } from '@passerelle/audit';
import { INS_SYSTEM, qualifiedInsExtension } from '@passerelle/identity';
import { newFormCode } from '@passerelle/letters';
import { type LetterView, type RunView } from '@passerelle/mailroom';
import { FhirRepository, parseStored } from '@passerelle/store';
import {
  actor,
  privacyConsent,
  PSY,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

/**
 * The paper consent form end to end, on a real hub: a GP practice and a hospital each hold a
 * record of the same person (linked on the national identity); the GP records an objection, the
 * patient (no online account) gets a consent letter whose form is read back from the print run's
 * PDF; the mailroom keys in the returned form through the admin API; the consent engine enforces
 * it on the agencies' next reads; the confirmation letter carries a new form, whose code records
 * a second choice that replaces the first.
 */

const FHIR_JSON = 'application/fhir+json';
const INS = '275034412345657';
const HOME: Address = { line: ['8 rue Saint-Éloi'], postalCode: '59800', city: 'Lille' };
const CODE = /Code du formulaire : ([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z])/;
type Agent = ReturnType<typeof request.agent>;

// A source of its own (see libs/letters/src/testing/read-pdf.ts: V8 reuses a compiled Function).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // ${Math.random()}`) as (
  s: string,
) => Promise<unknown>;
interface PdfJs {
  getDocument(src: { data: Uint8Array; useSystemFonts?: boolean }): {
    promise: Promise<{
      numPages: number;
      getPage(n: number): Promise<{ getTextContent(): Promise<{ items: object[] }> }>;
    }>;
  };
}
async function pdfText(pdf: Uint8Array): Promise<string> {
  const pdfjs = (await importEsm('pdfjs-dist/legacy/build/pdf.mjs')) as PdfJs;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const parts: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item && typeof item.str === 'string') parts.push(item.str);
  }
  return parts.join(' ').replace(/\s+/g, ' ');
}

function binary(response: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(STORE_KINDS)('the paper consent form on a real hub (%s)', (kind) => {
  let hub: TestHub;
  let gp: Agent;
  let chu: Agent;
  const outputDir = mkdtempSync(join(tmpdir(), 'passerelle-consent-form-'));
  const bearer = `Bearer ${TEST_ADMIN_TOKEN}`;
  const admin = {
    get: (path: string) => request(hub.url).get(path).set('authorization', bearer),
    post: (path: string) => request(hub.url).post(path).set('authorization', bearer),
  };
  const ids = { gpPatient: '', chuPatient: '', gpObservation: '', chuPsy: '' };

  const create = async (agent: Agent, body: Patient | Observation | object) =>
    (
      await agent
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body.id as string;

  /** Gathers a run of what waits, and returns the code printed on its one letter's form. */
  async function printedCode(letterKind: string): Promise<{ code: string; letter: LetterView }> {
    const letter = await eventually(async () => {
      const res = await admin
        .get(`/admin/mailroom/letters?patient=${ids.gpPatient}&status=pending`)
        .expect(200);
      return (res.body as { items: LetterView[] }).items.find((l) => l.kind === letterKind);
    }, `a pending ${letterKind} letter`);
    const created = (await admin.post('/admin/mailroom/runs').expect(200)).body as { run: RunView };
    const ready = await eventually(async () => {
      const run = (await admin.get(`/admin/mailroom/runs/${created.run.id}`).expect(200)).body as RunView;
      return run.status === 'ready' ? run : undefined;
    }, 'the run');
    const pdf = await admin
      .get(`/admin/mailroom/runs/${ready.id}/pdf`)
      .buffer(true)
      .parse(binary)
      .expect(200);
    const text = await pdfText(pdf.body as Buffer);
    expect(ready.letters).toBe(1);
    const code = CODE.exec(text)?.[1];
    if (!code) throw new Error('no form code in the printed letter');
    return { code, letter };
  }

  beforeAll(async () => {
    hub = await startTestHub(kind, { env: { MAILROOM_DIR: outputDir, MAILROOM_POLL_INTERVAL_MS: '50' } });
    const as = async (id: string, agencyKind: 'gp' | 'hospital' | 'specialist') =>
      request
        .agent(hub.url)
        .set(
          'authorization',
          `Bearer ${await (await registerAgency(hub, { id, kind: agencyKind })).token()}`,
        );
    gp = await as('cabinet', 'gp');
    chu = await as('chu', 'hospital');
    // The clinic an objection names: a registered agency, so the Consent's reference resolves.
    await as('cardio', 'specialist');
    // A qualified INS with the same traits at both agencies: the index links the two records, so
    // each agency holds the person (a care relationship).
    const person = (mrn: string): Patient => ({
      resourceType: 'Patient',
      extension: [qualifiedInsExtension()],
      identifier: [
        { system: 'https://agency.example/mrn', value: mrn },
        { system: INS_SYSTEM, value: INS },
      ],
      name: [{ use: 'official', given: ['Maëlle'], family: 'Le Gall' }],
      gender: 'female',
      birthDate: '1975-03-04',
      address: [HOME],
    });
    ids.gpPatient = await create(gp, person('GP-1'));
    ids.chuPatient = await create(chu, person('CHU-1'));
    const observation = (patientId: string, text: string, security = [] as (typeof PSY)[]): Observation => ({
      resourceType: 'Observation',
      status: 'final',
      code: { text },
      subject: { reference: `Patient/${patientId}` },
      ...(security.length ? { meta: { security } } : {}),
    });
    ids.gpObservation = await create(gp, observation(ids.gpPatient, 'Tension artérielle'));
    ids.chuPsy = await create(chu, observation(ids.chuPatient, 'Consultation de psychiatrie', [PSY]));
  });
  afterAll(async () => {
    await hub.close();
    rmSync(outputDir, { recursive: true, force: true });
  });

  it('records the returned form as a Consent the engine enforces, confirms it by letter, and refuses bad forms', async () => {
    // Before any form: the hospital sees the GP's data (direct care); the GP does not see psychiatry.
    await chu.get(`/fhir/Observation/${ids.gpObservation}`).expect(200);
    await gp.get(`/fhir/Observation/${ids.chuPsy}`).expect(404);

    // The GP records an objection to another agency: a consent letter, with its form, for the patient.
    await create(gp, privacyConsent(ids.gpPatient, 'cabinet', { type: 'deny', actor: [actor('cardio')] }));
    const first = await printedCode('consent-change');

    // Bad forms: refused with a reason, nothing recorded.
    const send = (body: object) => admin.post('/admin/mailroom/consent-forms').send(body);
    await request(hub.url)
      .post('/admin/mailroom/consent-forms')
      .send({ code: first.code, sharing: { hospital: { refuse: true } }, signed: true })
      .expect(401);
    const typo = first.code.slice(0, -1) + (first.code.endsWith('0') ? '1' : '0');
    const bad = await send({ code: typo, sharing: { hospital: { refuse: true } }, signed: true }).expect(400);
    expect(JSON.stringify(bad.body)).toMatch(/typo/);
    expect((bad.body as { resourceType: string }).resourceType).toBe('OperationOutcome');
    await send({
      code: first.code,
      sharing: { hospital: { refuse: true, agree: true } },
      signed: true,
    }).expect(400);
    await send({ code: first.code, sharing: { hospital: { refuse: true } } }).expect(400);
    await send({ code: newFormCode(), sharing: { hospital: { refuse: true } }, signed: true }).expect(404);
    await chu.get(`/fhir/Observation/${ids.gpObservation}`).expect(200);

    // The form refuses hospitals.
    const recorded = await send({
      code: first.code,
      sharing: { hospital: { refuse: true } },
      signed: true,
      signedOn: new Date().toISOString().slice(0, 10),
    }).expect(201);
    const one = recorded.body as { consent: string; confirmation: LetterView; replaced: string[] };
    expect(one.replaced).toEqual([]);
    expect(one.confirmation.kind).toBe('consent-form-recorded');
    await chu.get(`/fhir/Observation/${ids.gpObservation}`).expect(404);
    await gp.get(`/fhir/Observation/${ids.chuPsy}`).expect(404);
    // Once only.
    await send({ code: first.code, sharing: { hospital: { refuse: true } }, signed: true }).expect(409);

    // The confirmation letter is queued and printed, with a new form.
    const second = await printedCode('consent-form-recorded');
    expect(second.letter.id).toBe(one.confirmation.id);
    expect(second.code).not.toBe(first.code);

    // The second form keeps hospitals out and lets GPs see mental-health data.
    const again = await send({
      code: second.code.toLowerCase(),
      sharing: { hospital: { refuse: true } },
      sensitive: { 'mental-health': ['gp'] },
      signed: true,
    }).expect(201);
    expect((again.body as { replaced: string[] }).replaced).toEqual([one.consent]);
    const labelled = await gp.get(`/fhir/Observation/${ids.chuPsy}`).expect(200);
    expect((labelled.body as Observation).meta?.security).toEqual([expect.objectContaining({ code: 'PSY' })]);
    await chu.get(`/fhir/Observation/${ids.gpObservation}`).expect(404);
    const firstConsent = await hub.app
      .get(FhirRepository)
      .internal.current('Consent', one.consent.split('/')[1]);
    expect(firstConsent && parseStored<Consent>(firstConsent)).toMatchObject({ status: 'inactive' });
    expect(firstConsent?.sourceAgency).toBe('hub');

    // Each recorded form is in the audit trail, as the hub's own act on the patient's record.
    const audits = await new AuditQueries(hub.app.get(DataSource)).search({
      patient: [ids.gpPatient],
      agency: 'hub',
      subtype: 'consent-form',
      count: 10,
    });
    expect(audits.events).toHaveLength(2);
  });
});
