import type { AuditEvent, Bundle, Composition, Extension, Patient, Resource } from 'fhir/r4';
import { qualifiedInsExtension } from '@passerelle/identity';
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

const FHIR_JSON = 'application/fhir+json';
const INS = 'urn:oid:1.2.250.1.213.1.4.8';
const SOURCE_AGENCY = 'https://passerelle.health/fhir/StructureDefinition/source-agency';
const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};
type Agent = ReturnType<typeof request.agent>;

/** supertest: collect a binary body as a Buffer. */
function binary(response: request.Response, done: (err: Error | null, body: Buffer) => void): void {
  // At parse time supertest hands over the HTTP response stream itself.
  const res = response as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
  res.on('error', (err: Error) => done(err, Buffer.alloc(0)));
}

interface PdfJs {
  getDocument(src: { data: Uint8Array; useSystemFonts?: boolean }): {
    promise: Promise<{
      numPages: number;
      getPage(n: number): Promise<{ getTextContent(): Promise<{ items: object[] }> }>;
    }>;
  };
}

/**
 * Every page's text, read back with pdf.js. pdfjs-dist is ESM-only and SWC turns `import()` into
 * `require()` for jest, so the import goes through a Function SWC does not rewrite.
 */
// A source of its own (see libs/letters/src/testing/read-pdf.ts: V8 reuses a compiled Function).
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const importEsm = new Function('specifier', `return import(specifier) // ${Math.random()}`) as (
  s: string,
) => Promise<unknown>;
async function pdfText(pdf: Buffer): Promise<string> {
  const pdfjs = (await importEsm('pdfjs-dist/legacy/build/pdf.mjs')) as PdfJs;
  const doc = await pdfjs.getDocument({ data: new Uint8Array(pdf), useSystemFonts: false }).promise;
  const parts: string[] = [];
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item && typeof item.str === 'string') parts.push(item.str);
  }
  return parts.join(' ').replace(/\s+/g, ' ');
}

function patient(mrnSystem: string, mrn: string): Patient {
  return {
    resourceType: 'Patient',
    // A qualified identity with its INS traits: what lets the INS link the records.
    extension: [qualifiedInsExtension()],
    identifier: [
      { system: mrnSystem, value: mrn },
      { system: INS, value: '275034412345657' },
    ],
    name: [{ use: 'official', family: 'Le Gall-Ménard', given: ['Maëlle'] }],
    gender: 'female',
    birthDate: '1975-03-14',
  };
}

const subject = (id: string) => ({ reference: `Patient/${id}` });

/** A summary's data entries (not its Composition or author), by `Type/id`, with their source agency. */
function entriesOf(body: Bundle): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const e of body.entry ?? []) {
    const r = e.resource as Resource & { extension?: Extension[] };
    if (!r || r.resourceType === 'Composition' || r.resourceType === 'Device') continue;
    const source = r.extension?.find((x) => x.url === SOURCE_AGENCY)?.valueReference;
    out.set(`${r.resourceType}/${r.id}`, source?.identifier?.value);
  }
  return out;
}

describe.each(STORE_KINDS)('Patient/$summary on %s', (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let hospitalPatient: string;
  let gpPatient: string;
  const ids: Record<string, string> = {};
  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const create = async (agent: Agent, body: Resource) =>
    (await agent.post(`/fhir/${body.resourceType}`).set('content-type', FHIR_JSON).send(body).expect(201))
      .body.id as string;
  const summary = (agent: Agent, id: string) => agent.get(`/fhir/Patient/${id}/$summary`);

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const h = await registerAgency(hub, { id: 'chu' });
    const g = await registerAgency(hub, { id: 'cabinet', kind: 'gp' });
    hospital = as(await h.token());
    gp = as(await g.token());
    ids.conditionsOnly = await g.token({ scope: 'system/Patient.r system/Condition.rs' });
    hospitalPatient = await create(hospital, patient('https://chu.example/mrn', 'H1'));
    gpPatient = await create(gp, patient('https://cabinet.example/mrn', 'G1'));
    ids.allergy = await create(hospital, {
      resourceType: 'AllergyIntolerance',
      code: { text: 'Penicillin' },
      criticality: 'high',
      patient: subject(hospitalPatient),
      recordedDate: '2020-04-01',
    } as Resource);
    ids.lab = await create(hospital, {
      resourceType: 'Observation',
      status: 'final',
      category: [LAB],
      code: { text: 'HbA1c' },
      subject: subject(hospitalPatient),
      effectiveDateTime: '2025-03-01T10:00:00Z',
      valueQuantity: { value: 7.1, unit: '%' },
    } as Resource);
    ids.encounter = await create(hospital, {
      resourceType: 'Encounter',
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: subject(hospitalPatient),
      period: { start: '2025-02-10T08:00:00Z', end: '2025-02-14T12:00:00Z' },
    } as Resource);
    // Sensitive: needs a permit naming its label, which no one has given the GP.
    ids.sensitive = await create(hospital, {
      resourceType: 'Condition',
      meta: { security: [PSY] },
      code: { text: 'Depressive episode HIDDEN-PSY-MARKER' },
      subject: subject(hospitalPatient),
      recordedDate: '2024-11-02',
    } as Resource);
    ids.condition = await create(gp, {
      resourceType: 'Condition',
      category: [{ coding: [{ code: 'problem-list-item' }] }],
      code: { text: 'Type 2 diabetes' },
      subject: subject(gpPatient),
      recordedDate: '2021-06-01',
    } as Resource);
    ids.medication = await create(gp, {
      resourceType: 'MedicationStatement',
      status: 'active',
      medicationCodeableConcept: { text: 'Metformin 500 mg' },
      subject: subject(gpPatient),
      effectiveDateTime: '2025-01-05',
    } as Resource);
  });
  afterAll(() => hub.close());

  it('gives the GP one document with both agencies’ entries, each naming its source agency', async () => {
    const res = await summary(gp, gpPatient).expect(200);
    expect(res.headers['content-type']).toContain(FHIR_JSON);
    const body = res.body as Bundle;
    expect(body.type).toBe('document');
    const composition = body.entry?.[0]?.resource as Composition;
    expect(composition.type.coding?.[0]?.code).toBe('60591-5');
    expect(composition.subject?.reference).toBe(`${hub.fhir}/Patient/${gpPatient}`);
    expect(body.entry?.[1]?.resource?.id).toBe(gpPatient);
    const entries = entriesOf(body);
    expect(entries.get(`AllergyIntolerance/${ids.allergy}`)).toBe('chu');
    expect(entries.get(`Observation/${ids.lab}`)).toBe('chu');
    expect(entries.get(`Encounter/${ids.encounter}`)).toBe('chu');
    expect(entries.get(`Condition/${ids.condition}`)).toBe('cabinet');
    expect(entries.get(`MedicationStatement/${ids.medication}`)).toBe('cabinet');
    expect(JSON.stringify(body)).toContain('Test agency chu');
    // The hospital's records of the same person point at the GP's Patient inside the document.
    const allergy = body.entry?.find((e) => e.resource?.id === ids.allergy)?.resource as unknown as {
      patient: { reference: string };
    };
    expect(allergy.patient.reference).toBe(`${hub.fhir}/Patient/${gpPatient}`);
    const post = await gp
      .post(`/fhir/Patient/${gpPatient}/$summary`)
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Parameters' })
      .expect(200);
    expect(entriesOf(post.body as Bundle)).toEqual(entries);
  });

  it('never carries a resource the GP may not see, by id or by text; the source sees its own', async () => {
    const res = await summary(gp, gpPatient).expect(200);
    expect(res.text).not.toContain(ids.sensitive);
    expect(res.text).not.toContain('HIDDEN-PSY-MARKER');
    const own = await summary(hospital, hospitalPatient).expect(200);
    expect(entriesOf(own.body as Bundle).get(`Condition/${ids.sensitive}`)).toBe('chu');
    expect(own.text).toContain('HIDDEN-PSY-MARKER');
  });

  it('marks sections the token may not read as unavailable', async () => {
    const res = await summary(as(ids.conditionsOnly), gpPatient).expect(200);
    const sections = (res.body.entry[0].resource as Composition).section ?? [];
    const reason = (code: string) =>
      sections.find((s) => s.code?.coding?.[0]?.code === code)?.emptyReason?.coding?.[0]?.code;
    expect(reason('48765-2')).toBe('unavailable');
    expect(reason('11450-4')).toBeUndefined();
    expect(res.text).not.toContain(ids.allergy);
    expect(res.text).toContain(ids.condition);
  });

  it('answers an unknown patient as a read does: 404 with the same OperationOutcome', async () => {
    const read = await gp.get('/fhir/Patient/nobody').expect(404);
    const res = await summary(gp, 'nobody').expect(404);
    expect(res.body).toEqual(read.body);
    await gp.post('/fhir/Patient/nobody/$summary').expect(404);
    await gp.get(`/fhir/Observation/${ids.lab}/$summary`).expect(404);
  });

  it('answers the same summary as a PDF with Accept: application/pdf, in French by default', async () => {
    const res = await summary(gp, gpPatient)
      .set('accept', 'application/pdf')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/pdf/);
    const text = await pdfText(res.body as Buffer);
    for (const expected of ['Le Gall-Ménard', 'Penicillin', 'HbA1c', 'Metformin 500 mg', 'Test agency chu'])
      expect(text).toContain(expected);
    expect(text).not.toContain('HIDDEN-PSY-MARKER');
    const english = await summary(gp, gpPatient)
      .set('accept', 'application/pdf')
      .set('accept-language', 'en-GB, fr;q=0.5')
      .buffer(true)
      .parse(binary)
      .expect(200);
    expect(text).toContain('Résumé patient');
    const englishText = await pdfText(english.body as Buffer);
    expect(englishText).toContain('Patient summary');
    expect(englishText).toContain('Penicillin');
    expect(englishText).not.toContain('Résumé patient');
  });

  it('is audited as a summary disclosure the GP can read back', async () => {
    const events = await gp.get(`/fhir/AuditEvent?patient=${gpPatient}&subtype=summary`).expect(200);
    const found = ((events.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
    expect(found.length).toBeGreaterThan(0);
    for (const event of found) {
      expect(event.subtype?.some((c) => c.code === 'summary')).toBe(true);
      expect(event.agent.some((a) => a.requestor && a.who?.reference === 'Organization/cabinet')).toBe(true);
    }
    const verify = await request(hub.url)
      .get('/admin/audit/verify')
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(verify.body.ok).toBe(true);
  });

  it('after the patient objects to sharing with the GP, holds only the GP’s own data', async () => {
    await create(
      hospital,
      privacyConsent(hospitalPatient, 'chu', { type: 'deny', actor: [actor('cabinet')] }),
    );
    const res = await summary(gp, gpPatient).expect(200);
    const entries = entriesOf(res.body as Bundle);
    expect(entries.get(`Condition/${ids.condition}`)).toBe('cabinet');
    for (const hidden of [ids.allergy, ids.lab, ids.encounter, ids.sensitive, hospitalPatient])
      expect(res.text).not.toContain(hidden);
    for (const text of ['Penicillin', 'HbA1c', 'Test agency chu']) expect(res.text).not.toContain(text);
    // The hospital's own record of the patient is now as invisible to the GP as a missing one.
    const read = await gp.get(`/fhir/Patient/${hospitalPatient}`).expect(404);
    expect((await summary(gp, hospitalPatient).expect(404)).body).toEqual(read.body);
  });
});
