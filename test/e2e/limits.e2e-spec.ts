import type { Bundle, BundleLink, Observation, Patient } from 'fhir/r4';
import { registerAgency, STORE_KINDS, startTestHub, type TestHub, auditCaughtUp } from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
const HIDDEN = 1_100;

const observation = (value: string, subject?: string): Observation => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2339-0' }] },
  identifier: [{ system: 'https://example.org/obs', value }],
  ...(subject ? { subject: { reference: subject } } : {}),
});

const patient = (value: string): Patient => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://example.org/mrn', value }],
});

const transaction = (entries: (Observation | Patient)[]): Bundle<Observation | Patient> => ({
  resourceType: 'Bundle',
  type: 'transaction',
  entry: entries.map((resource) => ({ resource, request: { method: 'POST', url: resource.resourceType } })),
});

/**
 * Work a request may cause is bounded: Bundles past FHIR_MAX_BUNDLE_ENTRIES are refused whole,
 * and a search by an agency that may see little examines a bounded number of rows per page,
 * answering a partial page with a `next` link, its denials audited once per request and patient.
 */
describe.each(STORE_KINDS)('bounded work on %s', (kind) => {
  let hub: TestHub;
  let hospital: ReturnType<typeof request.agent>;
  let gp: ReturnType<typeof request.agent>;

  beforeAll(async () => {
    // Explicit consent: the GP sees only its own data, the normal case for a search mostly hidden.
    hub = await startTestHub(kind, { env: { CONSENT_MODEL: 'explicit' } });
    const h = await registerAgency(hub, { id: 'hospital-limits', kind: 'hospital' });
    const g = await registerAgency(hub, { id: 'gp-limits', kind: 'gp' });
    hospital = request.agent(hub.url).set('authorization', `Bearer ${await h.token()}`);
    gp = request.agent(hub.url).set('authorization', `Bearer ${await g.token()}`);
  });
  afterAll(() => hub.close());

  const post = (agent: ReturnType<typeof request.agent>, body: unknown) =>
    agent
      .post('/fhir')
      .set('content-type', FHIR_JSON)
      .send(body as object);

  it('refuses a Bundle over the entry limit with 413, writing nothing, and takes one at the limit', async () => {
    const db = hub.app.get(DataSource);
    const count = async () =>
      (await db.query<{ n: number }[]>('SELECT count(*)::int AS n FROM resource_version'))[0].n;
    const before = await count();
    // Patients: in their own compartment, so the GP may not see them either (explicit consent).
    const over = transaction(Array.from({ length: 1_001 }, (_, i) => patient(`over-${i}`)));
    for (const type of ['transaction', 'batch'] as const) {
      const res = await post(hospital, { ...over, type }).expect(413);
      expect(res.body.resourceType).toBe('OperationOutcome');
      expect(res.body.issue[0]).toMatchObject({ severity: 'error', code: 'too-long' });
      expect(res.body.issue[0].diagnostics).toContain('1000');
    }
    expect(await count()).toBe(before);
    const at = transaction(Array.from({ length: 1_000 }, (_, i) => patient(`at-${i}`)));
    const res = await post(hospital, at).expect(200);
    expect(res.body.entry).toHaveLength(1_000);
  });

  it('answers a search mostly hidden with partial pages and next links, auditing each patient once', async () => {
    const patient = await hospital
      .post('/fhir/Patient')
      .set('content-type', FHIR_JSON)
      .send({ resourceType: 'Patient', name: [{ family: 'Limits' }] } satisfies Patient)
      .expect(201);
    const subject = `Patient/${(patient.body as Patient).id}`;
    // The GP's own two first, then what it may not see, then one more of its own.
    for (const value of ['gp-1', 'gp-2'])
      await gp.post('/fhir/Observation').set('content-type', FHIR_JSON).send(observation(value)).expect(201);
    for (let sent = 0; sent < HIDDEN; sent += 550)
      await post(
        hospital,
        transaction(Array.from({ length: 550 }, (_, i) => observation(`hidden-${sent + i}`, subject))),
      ).expect(200);
    await gp.post('/fhir/Observation').set('content-type', FHIR_JSON).send(observation('gp-3')).expect(201);

    const seen: string[] = [];
    let pages = 0;
    let url: string | undefined = '/fhir/Observation?_count=5&_sort=_lastUpdated';
    while (url) {
      const res = await gp.get(url).expect(200);
      const page = res.body as Bundle<Observation>;
      pages++;
      seen.push(...(page.entry ?? []).map((e) => e.resource?.identifier?.[0].value ?? ''));
      const next: BundleLink | undefined = page.link?.find((l) => l.relation === 'next');
      // A page cut short by the bound has no total: counting would examine every row again.
      if (next) expect(page.total).toBeUndefined();
      url = next ? next.url.slice(hub.url.length) : undefined;
    }
    expect(seen).toEqual(['gp-1', 'gp-2', 'gp-3']);
    // 1,103 rows, at most 1,000 examined a page: two pages, where one would have held all three.
    expect(pages).toBe(2);

    await auditCaughtUp(hub.app.get(DataSource));
    const [denials] = await hub.app.get(DataSource).query<{ records: number; patients: number }[]>(
      `SELECT count(*)::int AS records, count(DISTINCT patient_id)::int AS patients
           FROM audit_event WHERE agency = 'gp-limits' AND interaction = 'search-type' AND outcome = '4'`,
    );
    // One denied record per request and patient (the hospital's one patient), not one per row:
    // every page examined some of the hospital's rows.
    expect(denials).toEqual({ records: pages, patients: 1 });
  });

  it('caps _count at FHIR_MAX_PAGE_SIZE', async () => {
    // The hospital sees its own 1,100 Observations: one page holds the maximum, and a next link.
    const res = await hospital.get('/fhir/Observation?_count=100000').expect(200);
    const page = res.body as Bundle;
    expect(page.entry).toHaveLength(hub.config.fhir.maxPageSize);
    expect(page.link?.some((l) => l.relation === 'next')).toBe(true);
  });
});
