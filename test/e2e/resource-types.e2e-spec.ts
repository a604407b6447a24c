import type { Bundle, Resource } from 'fhir/r4';
import {
  extractSearchValues,
  isSupportedType,
  patientCompartmentParams,
  READ_ONLY_TYPES,
  SENDER_ONLY_TYPES,
  SUPPORTED_TYPES,
  type SupportedType,
} from '@passerelle/fhir';
import {
  actor,
  patientPathOf,
  privacyConsent,
  registerAgency,
  resourceDefinitions,
  setReferenceAt,
  startTestHub,
  type StoreKind,
  type TestHub,
} from '@passerelle/testing';
import request from 'supertest';

/**
 * Every stored type, through the API: a minimal valid instance generated from the R4 definitions
 * (its required elements, and the patient named through its Patient compartment parameter) is
 * created, read, found by patient, found in the patient's $everything, and hidden from another
 * agency that has no care relationship with the patient — or, for directory data, shown to it (but
 * a sender-only type's, such as a Binary, which its sender alone sees).
 * On PGlite for every type, on PostgreSQL for a sample.
 */
const FHIR_JSON = 'application/fhir+json';
type Agent = ReturnType<typeof request.agent>;

const WRITABLE = SUPPORTED_TYPES.filter((t) => !READ_ONLY_TYPES.has(t) && t !== 'Patient');
const SAMPLE: SupportedType[] = [
  'Appointment',
  'Task',
  'Medication',
  'MedicationDispense',
  'CareTeam',
  'Goal',
  'Coverage',
  'Group',
  'Device',
  'Specimen',
  'QuestionnaireResponse',
  'Basic',
  'Account',
  'EpisodeOfCare',
  'List',
];

/** The hub's own rules for privacy Consents (docs/consent.md) ask more than the definitions do. */
const HAND_MADE: Partial<Record<SupportedType, (patientId: string) => Resource>> = {
  Consent: (patientId) =>
    privacyConsent(patientId, 'chu', { type: 'deny', actor: [actor('cabinet-sans-lien')] }),
};

describe.each<[StoreKind, readonly SupportedType[]]>([
  ['pglite', WRITABLE],
  ['postgres', SAMPLE],
])('every stored type on %s', (kind, types) => {
  let hub: TestHub;
  let hospital: Agent;
  let outsider: Agent;
  let patientId: string;
  const defs = resourceDefinitions();
  const created = new Map<string, { id: string; resource: Resource }>();
  const creating = new Set<string>();

  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);

  /** A reference the generator can use: the patient where allowed, else an instance made before. */
  const reference = (allowed: readonly string[]): string => {
    if (allowed.includes('Patient') || allowed.includes('Resource')) return `Patient/${patientId}`;
    const made = allowed.find((t) => created.has(t));
    if (!made) throw new Error(`No instance of ${allowed.join('|')} to refer to`);
    return `${made}/${created.get(made)!.id}`;
  };

  /** Creates (once) a minimal instance of `type`, after the instances its required references need. */
  async function ensure(type: SupportedType): Promise<{ id: string; resource: Resource }> {
    const done = created.get(type);
    if (done) return done;
    creating.add(type);
    for (const targets of defs.requiredTargets(type)) {
      if (targets.length === 0 || targets.some((t) => t === 'Patient' || t === 'Resource' || created.has(t)))
        continue;
      const next = targets.find((t) => isSupportedType(t) && !creating.has(t) && !READ_ONLY_TYPES.has(t));
      if (next && isSupportedType(next)) await ensure(next);
    }
    const hand = HAND_MADE[type];
    const resource = hand
      ? (hand(patientId) as unknown as Record<string, unknown>)
      : defs.minimal(type, reference);
    const link = patientPathOf(type);
    if (link && !hand) setReferenceAt(resource, link.path, `Patient/${patientId}`, (p) => defs.repeats(p));
    const res = await hospital.post(`/fhir/${type}`).set('content-type', FHIR_JSON).send(resource);
    if (res.status !== 201)
      throw new Error(`${type}: ${res.status} ${JSON.stringify(res.body)}\n${JSON.stringify(resource)}`);
    const out = { id: (res.body as Resource).id!, resource: res.body as Resource };
    created.set(type, out);
    creating.delete(type);
    return out;
  }

  beforeAll(async () => {
    hub = await startTestHub(kind);
    hospital = as(await (await registerAgency(hub, { id: 'chu' })).token());
    outsider = as(await (await registerAgency(hub, { id: 'cabinet-sans-lien', kind: 'gp' })).token());
    const patient = await hospital
      .post('/fhir/Patient')
      .set('content-type', FHIR_JSON)
      .send({
        resourceType: 'Patient',
        name: [{ family: 'Partout' }],
        gender: 'female',
        birthDate: '1950-01-01',
      })
      .expect(201);
    patientId = (patient.body as Resource).id!;
  }, 60_000);
  afterAll(() => hub.close());

  it.each(types)('%s: created, read, found by patient, hidden without a care relationship', async (type) => {
    const { id, resource } = await ensure(type);
    const read = await hospital.get(`/fhir/${type}/${id}`).expect(200);
    expect((read.body as Resource).resourceType).toBe(type);

    // Where the hub placed it: the patients its compartment parameters name.
    const index = extractSearchValues(type, resource);
    const mine = index.patientIds.includes(patientId);
    if (patientPathOf(type)) expect(mine).toBe(true);
    const param = patientCompartmentParams(type).find((p) =>
      index.refs.includes(`${p}|Patient/${patientId}`),
    );
    const query = mine && param ? `${param}=Patient/${patientId}` : `_id=${id}`;
    const found = (await hospital.get(`/fhir/${type}?${query}`).expect(200)).body as Bundle;
    expect(found.entry?.map((e) => e.resource?.id)).toContain(id);

    const theirs = await outsider.get(`/fhir/${type}/${id}`);
    const search = (await outsider.get(`/fhir/${type}?${query}`).expect(200)).body as Bundle;
    if (mine || SENDER_ONLY_TYPES.includes(type)) {
      // A patient's data without a care relationship, or a sender-only type (a Binary): hidden.
      expect(theirs.status).toBe(404);
      expect(search.entry ?? []).toEqual([]);
    } else {
      // Directory data (a Medication, an Organization ...) is shared.
      expect(theirs.status).toBe(200);
      expect(search.entry?.map((e) => e.resource?.id)).toContain(id);
    }
  });

  it("finds every patient-bound instance in the patient's $everything, and none for the outsider", async () => {
    const bound = [...created].filter(([type, { resource }]) =>
      isSupportedType(type) ? extractSearchValues(type, resource).patientIds.includes(patientId) : false,
    );
    // Every type that names a patient by a plain path does (the walk is not vacuous).
    const naming = types.filter((t) => patientPathOf(t));
    expect(naming.length).toBeGreaterThan(kind === 'pglite' ? 60 : 10);
    expect(bound.length).toBeGreaterThanOrEqual(naming.length);
    const seen = new Set<string>();
    let url: string | undefined = `/fhir/Patient/${patientId}/$everything?_count=200`;
    while (url) {
      const page = (await hospital.get(url).expect(200)).body as Bundle;
      for (const e of page.entry ?? []) seen.add(`${e.resource?.resourceType}/${e.resource?.id}`);
      const next = page.link?.find((l) => l.relation === 'next')?.url;
      url = next ? next.slice(next.indexOf('/fhir/')) : undefined;
    }
    expect(bound.map(([type, { id }]) => `${type}/${id}`).filter((k) => !seen.has(k))).toEqual([]);
    await outsider.get(`/fhir/Patient/${patientId}/$everything`).expect(404);
  });

  it('refuses the types it does not store, saying why, and AuditEvent from clients', async () => {
    const bundle = await hospital
      .post('/fhir/Bundle')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Bundle', type: 'collection' })
      .expect(404);
    expect(JSON.stringify(bundle.body)).toContain('does not store Bundle');
    const audit = await hospital
      .post('/fhir/AuditEvent')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'AuditEvent' });
    expect(audit.status).toBeGreaterThanOrEqual(400);
  });
});
