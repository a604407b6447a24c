import { createHash } from 'node:crypto';
import type { Binary, Bundle, BundleEntry, DocumentReference, Patient } from 'fhir/r4';
import { verifiedNhsNumberExtension } from '@passerelle/identity';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub, auditCaughtUp } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const CURSOR = 'https://passerelle.health/fhir/StructureDefinition/changes-cursor';
const CONFIDENTIALITY = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
type Agent = ReturnType<typeof request.agent>;

const TEXT = 'Compte rendu de sortie : retour à domicile, suivi par le médecin traitant.';

function patient(system: string, value: string, gp: string): Patient {
  return {
    resourceType: 'Patient',
    identifier: [
      { system, value },
      { system: NHS, value: '9434765919', extension: [verifiedNhsNumberExtension()] },
    ],
    name: [{ family: 'Martin', given: ['Claire'] }],
    birthDate: '1971-04-02',
    generalPractitioner: [{ reference: `Organization/${gp}` }],
  };
}

/** What a connector pushes: the document and its content in one transaction, the content naming the document. */
function documentWithContent(value: string, patientId: string, binaryId: string, labels = false): Bundle {
  const bytes = Buffer.from(TEXT);
  const document: DocumentReference = {
    resourceType: 'DocumentReference',
    ...(labels ? { meta: { security: [{ system: CONFIDENTIALITY, code: 'R' }] } } : {}),
    identifier: [{ system: 'https://chu.example/doc', value }],
    status: 'current',
    subject: { reference: `Patient/${patientId}` },
    content: [
      {
        attachment: {
          contentType: 'text/plain',
          url: `Binary/${binaryId}`,
          size: bytes.length,
          hash: createHash('sha1').update(bytes).digest('base64'),
        },
      },
    ],
  };
  const binary: Binary = {
    resourceType: 'Binary',
    id: binaryId,
    contentType: 'text/plain',
    securityContext: { reference: `urn:uuid:doc-${value}` },
    data: bytes.toString('base64'),
  };
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: `urn:uuid:doc-${value}`,
        resource: document,
        request: { method: 'PUT', url: `DocumentReference?identifier=https://chu.example/doc|${value}` },
      },
      { resource: binary, request: { method: 'PUT', url: `Binary/${binaryId}` } },
    ],
  };
}

/**
 * A document's content at the hub (IHE MHD's retrieve document): a Binary that is a shared
 * DocumentReference's content is routed with it, served raw or as FHIR JSON, and disclosed exactly
 * as the document is.
 */
describe.each(STORE_KINDS)("a shared document's content on %s", (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let other: Agent;
  let patientId: string;

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const push = async (bundle: Bundle) =>
    (await hospital.post('/fhir').set('content-type', FHIR_JSON).send(bundle).expect(200)).body as Bundle;
  const binaryReads = async (agency: string) => {
    await auditCaughtUp(hub.app.get(DataSource));
    return Number(
      (
        await hub.app
          .get(DataSource)
          .query(
            `SELECT count(*) AS n FROM audit_event WHERE agency = $1 AND patient_id = $2 AND outcome = '0'`,
            [agency, patientId],
          )
      )[0].n,
    );
  };

  beforeAll(async () => {
    hub = await startTestHub(kind, { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    gp = as(await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token());
    other = as(await (await registerAgency(hub, { id: 'clinique', kind: 'specialist' })).token());
    await gp
      .post('/fhir/Patient')
      .set('content-type', FHIR_JSON)
      .send(patient('https://cabinet.example/pid', 'G-1', 'cabinet'))
      .expect(201);
    patientId = (
      await hospital
        .post('/fhir/Patient')
        .set('content-type', FHIR_JSON)
        .send(patient('https://chu.example/mrn', 'H-1', 'cabinet'))
        .expect(201)
    ).body.id;
  });
  afterAll(() => hub?.close());

  it('routes the content just before its document, and serves it to the GP raw or as FHIR JSON, audited', async () => {
    await push(documentWithContent('D-1', patientId, 'chu-content-1'));
    let entries: BundleEntry[] = [];
    for (let i = 0; i < 200 && !entries.some((e) => e.resource?.resourceType === 'DocumentReference'); i++) {
      const feed = (await gp.get('/fhir/$changes?_since=0').expect(200)).body as Bundle;
      entries = feed.entry ?? [];
      expect(feed.meta?.extension?.[0].url).toBe(CURSOR);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(entries.map((e) => e.resource?.resourceType)).toEqual(['Binary', 'DocumentReference']);
    const delivered = entries[1].resource as DocumentReference;
    expect(delivered.content[0].attachment.url).toBe('Binary/chu-content-1');

    const before = await binaryReads('cabinet');
    const raw = await gp
      .get('/fhir/Binary/chu-content-1')
      .set('accept', 'text/plain')
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(raw.headers['content-type']).toMatch(/^text\/plain/);
    expect((raw.body as Buffer).toString('utf8')).toBe(TEXT);
    const json = await gp.get('/fhir/Binary/chu-content-1').expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/fhir\+json/);
    expect(Buffer.from((json.body as Binary).data!, 'base64').toString('utf8')).toBe(TEXT);
    // Each read is a disclosure about the document's patient.
    expect(await binaryReads('cabinet')).toBe(before + 2);
  });

  it('answers an agency without a care relationship the same 404 for the content as for the document', async () => {
    const documentId = (await hospital.get('/fhir/DocumentReference?identifier=https://chu.example/doc|D-1'))
      .body.entry[0].resource.id as string;
    for (const path of [`/fhir/DocumentReference/${documentId}`, '/fhir/Binary/chu-content-1']) {
      const res = await other.get(path).set('accept', 'text/plain').expect(404);
      expect(res.body.resourceType).toBe('OperationOutcome');
    }
  });

  it('keeps a Binary no document cites its sender-only, and hides the content of a document labelled sensitive', async () => {
    await hospital
      .put('/fhir/Binary/chu-loose')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Binary', id: 'chu-loose', contentType: 'text/plain', data: 'eA==' })
      .expect(201);
    await gp.get('/fhir/Binary/chu-loose').expect(404);
    await hospital.get('/fhir/Binary/chu-loose').expect(200);
    // The type's history is still the history route's, not a read of a Binary named "_history".
    expect((await hospital.get('/fhir/Binary/_history').expect(200)).body.resourceType).toBe('Bundle');

    await push(documentWithContent('D-2', patientId, 'chu-content-2', true));
    await gp.get('/fhir/Binary/chu-content-2').set('accept', 'text/plain').expect(404);
    await hospital.get('/fhir/Binary/chu-content-2').set('accept', 'text/plain').expect(200);
  });
});
