import type { AuditEvent, Bundle, DocumentReference, Encounter, Patient, Resource } from 'fhir/r4';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { type StackOptions, SyncStack } from '../faults/stack';
import { actor, privacyConsent } from '../support/consents';

/**
 * A discharge travels from the hospital's FHIR server to the GP's, through the
 * built apps as processes — the hospital connector, the hub, the routing worker and the GP
 * connector — and lands pointing at the GP's own records. A patient who objected to sharing
 * with the GP gets no such delivery, and the hub audits the denied routing.
 *
 * On PostgreSQL the production topology (hub with SYNC_WORKER=off, a worker process on BullMQ);
 * on PGlite the embedded default (routing inside the hub's process, connectors on PGlite).
 */
const TOPOLOGIES: [string, StackOptions][] = [
  ['PostgreSQL, a worker process and Redis', { hubStore: 'postgres', redis: 'shared', seedPatients: 2 }],
  ['PGlite, routing in the hub', { hubStore: 'pglite', redis: 'none', seedPatients: 2 }],
];
const LOINC = 'http://loinc.org';
const DISCHARGE_SUMMARY = '18842-5';
const INS = 'urn:oid:1.2.250.1.213.1.4.8';

describe.each(TOPOLOGIES)('exchange of a discharge on %s', (_name, options) => {
  const stack = new SyncStack(options);
  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  const documentSystem = () => `${stack.hospital.identity.identifierSystem}/document`;
  const one = async <T extends Resource>(base: string, type: string, system: string, value: string) => {
    const found = (await fetchAll(base, type)).filter((r) => {
      const id = (r as { identifier?: { system?: string; value?: string }[] }).identifier?.[0];
      return id?.system === system && id.value === value;
    });
    return found as T[];
  };

  /** A stay and its discharge summary at the hospital, for the hospital's patient `patient`. */
  async function discharge(label: string, patient: string): Promise<DocumentReference> {
    const stay = await stack.writeAtHospital<Encounter>({
      resourceType: 'Encounter',
      identifier: [{ system: stack.encounterSystem, value: `STAY-${label}` }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${patient}` },
      period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
    });
    return stack.writeAtHospital<DocumentReference>({
      resourceType: 'DocumentReference',
      identifier: [{ system: documentSystem(), value: `DISCHARGE-${label}` }],
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: LOINC, code: DISCHARGE_SUMMARY, display: 'Discharge summary' }] },
      subject: { reference: `Patient/${patient}` },
      date: '2026-11-24T13:00:00+01:00',
      description: 'Compte rendu d’hospitalisation',
      content: [
        {
          attachment: {
            contentType: 'text/plain; charset=utf-8',
            data: Buffer.from(`Sortie le 24/11/2026 (${label}).`).toString('base64'),
          },
        },
      ],
      context: { encounter: [{ reference: `Encounter/${stay.id}` }] },
    });
  }

  /** The GP's own Patient record of the hospital's patient (same national identifier). */
  async function gpPatientOf(hospitalPatient: Patient): Promise<Patient> {
    const ins = hospitalPatient.identifier?.find((i) => i.system === INS)?.value;
    const found = ((await fetchAll(stack.gp.baseUrl, 'Patient')) as Patient[]).find((p) =>
      p.identifier?.some((i) => i.system === INS && i.value === ins),
    );
    if (!found) throw new Error('the GP holds no record of the patient');
    return found;
  }

  it('delivers the discharge to the GP, pointing at the GP’s own records; not after an objection', async () => {
    const patients = (await fetchAll(stack.hospital.baseUrl, 'Patient')) as Patient[];
    const byMrn = (index: number) =>
      patients.find((p) => p.identifier?.[0]?.value?.endsWith(`-00000${index}`)) as Patient;
    const [shared, objecting] = [byMrn(0), byMrn(1)];
    // What the first cycles sent is routed: the audit trail from here on is about this test's data.
    await stack.processes.until(
      'the outbox routed',
      async () => (await stack.syncStatus()).outboxBacklog === 0,
    );
    // Patient #1 objects to sharing with the GP; the hospital records it at the hub.
    const objectingAtHub = await stack.hubJson<Bundle>(
      `/fhir/Patient?identifier=${encodeURIComponent(`${objecting.identifier?.[0]?.system}|${objecting.identifier?.[0]?.value}`)}`,
      'hospital',
    );
    const objectingId = objectingAtHub.entry?.[0]?.resource?.id ?? '';
    await stack.hubJson('/fhir/Consent', 'hospital', {
      method: 'POST',
      scope: 'system/*.cruds',
      body: privacyConsent(objectingId, stack.hospital.id, {
        type: 'deny',
        actor: [actor(stack.gp.server.id)],
      }),
    });
    const since = new Date().toISOString();

    const sent = await discharge('A', shared.id ?? '');
    await discharge('B', objecting.id ?? '');

    const [doc] = await stack.processes.until('the discharge summary at the GP', async () => {
      const found = await one<DocumentReference>(
        stack.gp.baseUrl,
        'DocumentReference',
        documentSystem(),
        'DISCHARGE-A',
      );
      return found.length > 0 && found;
    });
    const stays = await one<Encounter>(stack.gp.baseUrl, 'Encounter', stack.encounterSystem, 'STAY-A');
    const docs = await one<DocumentReference>(
      stack.gp.baseUrl,
      'DocumentReference',
      documentSystem(),
      'DISCHARGE-A',
    );
    expect([stays.length, docs.length]).toEqual([1, 1]);
    const gpPatient = await gpPatientOf(shared);
    // Every reference resolved to the GP's own records: its patient, its copy of the stay.
    expect(stays[0].subject?.reference).toBe(`Patient/${gpPatient.id}`);
    expect(doc.subject?.reference).toBe(`Patient/${gpPatient.id}`);
    expect(doc.context?.encounter?.[0]?.reference).toBe(`Encounter/${stays[0].id}`);
    expect(doc.type?.coding?.[0]).toMatchObject({ system: LOINC, code: DISCHARGE_SUMMARY });
    expect(doc.content[0].attachment.data).toBe(sent.content[0].attachment.data);

    // The objection: routing denied, audited, and nothing reaches the GP.
    await stack.processes.until(
      'the outbox routed',
      async () => (await stack.syncStatus()).outboxBacklog === 0,
    );
    // The hub's own records (the GP never asked): an operator reads them, the GP's trail has none.
    const denied = await stack.processes.until('the denied routing in the hub’s audit trail', async () => {
      const page = await stack.hubJson<{ events: AuditEvent[] }>(
        `/admin/audit/events?agency=hub&subtype=route&outcome=4&patient=${objectingId}&since=${encodeURIComponent(since)}`,
        'admin',
      );
      return page.events.length >= 2 && page.events;
    });
    const gpTrail = await stack.hubJson<Bundle>(`/fhir/AuditEvent?subtype=route&date=ge${since}`, 'gp');
    expect(gpTrail.entry ?? []).toEqual([]);
    // Each denial names the resource held back (besides the patient).
    const heldBack = denied.map((e) =>
      e.entity
        ?.map((x) => x.what?.reference?.split('/')[0])
        .find((type) => type === 'DocumentReference' || type === 'Encounter'),
    );
    expect(heldBack.sort()).toEqual(['DocumentReference', 'Encounter']);
    const settledAt = new Date().toISOString();
    await stack.processes.until('a GP apply cycle after routing', async () => {
      const { lastApplyAt } = (await stack.connectorHealth('gp')).sync;
      return lastApplyAt !== null && lastApplyAt > settledAt;
    });
    expect(await one(stack.gp.baseUrl, 'Encounter', stack.encounterSystem, 'STAY-B')).toEqual([]);
    expect(await one(stack.gp.baseUrl, 'DocumentReference', documentSystem(), 'DISCHARGE-B')).toEqual([]);
    const fed = (await stack.feed('gp')).map(
      (e) => (e.resource as { identifier?: { value?: string }[] } | undefined)?.identifier?.[0]?.value,
    );
    expect(fed).toEqual(expect.arrayContaining(['STAY-A', 'DISCHARGE-A']));
    expect(fed.filter((v) => v === 'STAY-B' || v === 'DISCHARGE-B')).toEqual([]);
  }, 120_000);
});
