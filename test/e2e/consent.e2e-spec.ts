import type { AuditEvent, Bundle, Observation, Parameters, ParametersParameter, Patient } from 'fhir/r4';
import {
  actor,
  privacyConsent,
  PSY,
  registerAgency,
  STORE_KINDS,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestAgency,
  type TestHub,
  auditCaughtUp,
} from '@passerelle/testing';
import { AUDIT_SYSTEMS } from '@passerelle/audit';
import request from 'supertest';
import { DataSource } from 'typeorm';

const FHIR_JSON = 'application/fhir+json';
type Agent = ReturnType<typeof request.agent>;

function observation(patientId: string, code: string, labels: Observation['meta'] = undefined): Observation {
  return {
    resourceType: 'Observation',
    ...(labels ? { meta: labels } : {}),
    identifier: [{ system: 'https://chu.example/obs', value: code }],
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: '2025-03-01T10:00:00Z',
  };
}

/** Every id that appears anywhere in a response body. */
const idsIn = (body: unknown) =>
  new Set([...JSON.stringify(body).matchAll(/"id":\s*"([^"]+)"/g)].map((m) => m[1]));

describe.each(STORE_KINDS)('consent at the data choke point on %s (implied model)', (kind) => {
  let hub: TestHub;
  let hospital: Agent;
  let gp: Agent;
  let specialist: Agent;
  let hospitalAgency: TestAgency;
  let outsider: TestAgency;
  let patientId: string;
  let normalId: string;
  let sensitiveId: string;
  const ids: Record<string, string> = {};
  const as = (token: string) => request.agent(hub.url).set('authorization', `Bearer ${token}`);
  const post = async (agent: Agent, body: object) =>
    (
      await agent
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body as {
      id: string;
    };

  beforeAll(async () => {
    hub = await startTestHub(kind);
    const h = await registerAgency(hub, { id: 'chu' });
    hospitalAgency = h;
    const g = await registerAgency(hub, { id: 'cabinet', kind: 'gp' });
    const s = await registerAgency(hub, { id: 'psy-clinic', kind: 'specialist' });
    outsider = await registerAgency(hub, { id: 'chu-far', kind: 'hospital' });
    hospital = as(await h.token());
    gp = as(await g.token());
    specialist = as(await s.token());
    ids.gpEtreat = await g.token({ purposeOfUse: 'ETREAT', breakGlassReason: 'Unconscious patient in A&E' });
    // The practice is the patient's GP of record and the hospital refers them to the clinic: both
    // have a care relationship with the patient.
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'https://chu.example/mrn', value: 'C-1' }],
      gender: 'male',
      generalPractitioner: [{ reference: 'Organization/cabinet' }],
    };
    patientId = (await post(hospital, patient)).id;
    await post(hospital, {
      resourceType: 'ServiceRequest',
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${patientId}` },
      performer: [{ reference: 'Organization/psy-clinic' }],
    });
    normalId = (await post(hospital, observation(patientId, '8867-4'))).id;
    sensitiveId = (await post(hospital, observation(patientId, '44249-1', { security: [PSY] }))).id;
  });
  afterAll(() => hub.close());

  it('shares direct-care data and hides sensitive data: 404 with the same body as a missing resource', async () => {
    await gp.get(`/fhir/Observation/${normalId}`).expect(200);
    const denied = await gp.get(`/fhir/Observation/${sensitiveId}`).expect(404);
    const missing = await gp.get('/fhir/Observation/never-existed').expect(404);
    expect(denied.body).toEqual(missing.body);
    await hospital.get(`/fhir/Observation/${sensitiveId}`).expect(200);
  });

  it('leaves hidden resources out of search entries, totals, includes, history and $everything', async () => {
    const search = await gp.get(`/fhir/Observation?patient=${patientId}`).expect(200);
    expect(search.body.total).toBe(1);
    expect(idsIn(search.body).has(sensitiveId)).toBe(false);
    const count = await gp.get(`/fhir/Observation?patient=${patientId}&_summary=count`).expect(200);
    expect(count.body.total).toBe(1);
    const rev = await gp.get(`/fhir/Patient?_id=${patientId}&_revinclude=Observation:subject`).expect(200);
    expect(idsIn(rev.body).has(normalId)).toBe(true);
    expect(idsIn(rev.body).has(sensitiveId)).toBe(false);
    const inc = await gp.get(`/fhir/Observation?_id=${sensitiveId}&_include=Observation:subject`).expect(200);
    expect(inc.body.total).toBe(0);
    expect(inc.body.entry).toBeUndefined();
    await gp.get(`/fhir/Observation/${sensitiveId}/_history`).expect(404);
    await gp.get(`/fhir/Observation/${sensitiveId}/_history/1`).expect(404);
    const typeHistory = await gp.get('/fhir/Observation/_history').expect(200);
    expect(idsIn(typeHistory.body).has(sensitiveId)).toBe(false);
    const everything = await gp.get(`/fhir/Patient/${patientId}/$everything`).expect(200);
    expect(idsIn(everything.body).has(sensitiveId)).toBe(false);
    expect(idsIn(everything.body).has(normalId)).toBe(true);
    await gp.get('/fhir/Patient/nobody/$everything').expect(404);
  });

  it('shows nothing of the person to an agency without a care relationship, not even their existence', async () => {
    const far = as(await outsider.token());
    await far.get(`/fhir/Patient/${patientId}`).expect(404);
    await far.get(`/fhir/Observation/${normalId}`).expect(404);
    await far.get(`/fhir/Patient/${patientId}/$everything`).expect(404);
    const listing = await far.get('/fhir/Patient?_count=500').expect(200);
    expect(idsIn(listing.body).has(patientId)).toBe(false);
    const search = await far.get('/fhir/Observation?code=http://loinc.org|8867-4').expect(200);
    expect(search.body.total).toBe(0);
    await far.get(`/fhir/Patient/${patientId}/$summary`).expect(404);
    const reportAtRequest = as(await outsider.token({ purposeOfUse: 'PATRQT' }));
    await reportAtRequest.get(`/fhir/Patient/${patientId}/$access-report`).expect(404);
    // A Consent about a person it does not hold is refused, a deny as much as a permit: its
    // reference to the patient does not resolve, with the very answer a nonexistent patient gets.
    const recordConsent = (about: string) =>
      far
        .post('/fhir/Consent')
        .set('content-type', FHIR_JSON)
        .send(privacyConsent(about, 'chu-far', { type: 'deny' }))
        .expect(422);
    const notHeld = await recordConsent(patientId);
    expect(notHeld.body).toEqual((await recordConsent('never-existed')).body);
    // With break-glass it may see the record (audited, the patient told).
    const glass = as(await outsider.token({ purposeOfUse: 'ETREAT', breakGlassReason: 'Found unconscious' }));
    await glass.get(`/fhir/Observation/${normalId}`).expect(200);
  });

  it('refuses a permit an agency would grant itself: an objection cannot be lifted that way', async () => {
    const objection = await post(
      hospital,
      privacyConsent(patientId, 'chu', { type: 'deny', actor: [actor('cabinet')] }),
    );
    await gp.get(`/fhir/Observation/${normalId}`).expect(404);
    const selfGranted = await gp
      .post('/fhir/Consent')
      .set('content-type', FHIR_JSON)
      .send(
        privacyConsent(patientId, 'cabinet', {
          type: 'permit',
          actor: [actor('cabinet')],
          class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }],
          purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }],
        }),
      )
      .expect(403);
    expect(JSON.stringify(selfGranted.body)).toContain('disclose to the agency recording it');
    await gp.get(`/fhir/Observation/${normalId}`).expect(404);
    const current = (await hospital.get(`/fhir/Consent/${objection.id}`).expect(200)).body as object;
    await hospital
      .put(`/fhir/Consent/${objection.id}`)
      .set('content-type', FHIR_JSON)
      .send({ ...current, status: 'inactive' })
      .expect(200);
    await gp.get(`/fhir/Observation/${normalId}`).expect(200);
  });

  it('judges past versions by the strictest label: labelling version 2 hides version 1', async () => {
    const o = await post(hospital, observation(patientId, '2339-0'));
    await gp.get(`/fhir/Observation/${o.id}/_history/1`).expect(200);
    await hospital
      .put(`/fhir/Observation/${o.id}`)
      .set('content-type', FHIR_JSON)
      .send({ ...observation(patientId, '2339-0', { security: [PSY] }), id: o.id })
      .expect(200);
    await gp.get(`/fhir/Observation/${o.id}`).expect(404);
    const missing = await gp.get('/fhir/Observation/never-existed/_history/1').expect(404);
    const v1 = await gp.get(`/fhir/Observation/${o.id}/_history/1`).expect(404);
    expect(v1.body).toEqual(missing.body);
    const history = await gp.get('/fhir/Observation/_history?_count=500').expect(200);
    expect(idsIn(history.body).has(o.id)).toBe(false);
    // Deleted, it keeps the last version's labels: its history stays hidden.
    await hospital.delete(`/fhir/Observation/${o.id}`).expect(200);
    await gp.get(`/fhir/Observation/${o.id}/_history/1`).expect(404);
    await hospital.get(`/fhir/Observation/${o.id}/_history/1`).expect(200);
  });

  it('binds paging links to the agency they were given to', async () => {
    await post(hospital, observation(patientId, '8310-5'));
    const first = await gp.get(`/fhir/Observation?patient=${patientId}&_count=1`).expect(200);
    const next = (first.body as Bundle).link?.find((l) => l.relation === 'next')?.url;
    expect(next).toBeDefined();
    await gp.get(next!.replace(hub.url, '')).expect(200);
    await specialist.get(next!.replace(hub.url, '')).expect(404);
  });

  it('does not reveal through conditional writes whether a hidden resource matches', async () => {
    const res = await gp
      .put(`/fhir/Observation?identifier=https://chu.example/obs|44249-1`)
      .set('content-type', FHIR_JSON)
      .send(observation(patientId, '44249-1'))
      .expect(201);
    expect(res.body.id).not.toBe(sensitiveId);
    await gp
      .put(`/fhir/Observation/${sensitiveId}`)
      .set('content-type', FHIR_JSON)
      .send({ ...observation(patientId, 'x'), id: sensitiveId })
      .expect(409);
  });

  it('a patient’s objection hides everything but the source’s own data; revocation restores sharing at once', async () => {
    const objection = await post(hospital, privacyConsent(patientId, 'chu', { type: 'deny' }));
    await gp.get(`/fhir/Observation/${normalId}`).expect(404);
    // Only what the GP itself wrote remains visible to it.
    const left = await gp.get(`/fhir/Observation?patient=${patientId}`).expect(200);
    expect(idsIn(left.body).has(normalId)).toBe(false);
    expect(
      (left.body as Bundle).entry?.every((e) => e.resource?.meta?.source === 'urn:passerelle:agency:cabinet'),
    ).toBe(true);
    await hospital.get(`/fhir/Observation/${normalId}`).expect(200);
    const current = (await hospital.get(`/fhir/Consent/${objection.id}`).expect(200)).body as object;
    await hospital
      .put(`/fhir/Consent/${objection.id}`)
      .set('content-type', FHIR_JSON)
      .send({ ...current, status: 'inactive' })
      .expect(200);
    await gp.get(`/fhir/Observation/${normalId}`).expect(200);
  });

  it('an explicit permit opens sensitive data to one agency only', async () => {
    await post(
      hospital,
      privacyConsent(patientId, 'chu', {
        type: 'deny',
        provision: [{ type: 'permit', actor: [actor('psy-clinic')], securityLabel: [PSY] }],
      }),
    );
    await specialist.get(`/fhir/Observation/${sensitiveId}`).expect(200);
    await gp.get(`/fhir/Observation/${sensitiveId}`).expect(404);
  });

  it('break-glass overrides a deny, is audited and leaves a notice for the patient', async () => {
    await as(ids.gpEtreat).get(`/fhir/Observation/${sensitiveId}`).expect(200);
    const notices: { kind: string }[] = await hub.app
      .get(DataSource)
      .query(`SELECT kind FROM patient_notification WHERE patient_id = $1 AND kind = 'break-glass'`, [
        patientId,
      ]);
    expect(notices.length).toBeGreaterThan(0);
    // The report is the patient's: not for an agency treating them, only at the patient's request.
    await hospital.get(`/fhir/Patient/${patientId}/$access-report`).expect(403);
    const atRequest = as(await hospitalAgency.token({ purposeOfUse: 'PATRQT' }));
    const report = await atRequest.get(`/fhir/Patient/${patientId}/$access-report`).expect(200);
    const accesses = (report.body as Parameters).parameter?.filter((p) => p.name === 'access') ?? [];
    const part = (a: ParametersParameter, name: string) => a.part?.find((p) => p.name === name);
    const glass = accesses.find(
      (a) =>
        part(a, 'breakGlass')?.valueBoolean === true &&
        part(a, 'agency')?.valueReference?.reference === 'Organization/cabinet',
    );
    expect(glass).toBeDefined();
    expect(part(glass!, 'breakGlassReason')?.valueString).toBe('Unconscious patient in A&E');
  });

  it('audits denied reads too, in a chain the verifier finds whole', async () => {
    const db = hub.app.get(DataSource);
    await auditCaughtUp(db);
    const denied: unknown[] = await db.query(
      `SELECT 1 FROM audit_event WHERE agency = 'cabinet' AND patient_id = $1 AND outcome = '4'`,
      [patientId],
    );
    expect(denied.length).toBeGreaterThan(0);
    const verify = await request(hub.url)
      .get('/admin/audit/verify')
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(verify.body.ok).toBe(true);
    expect(verify.body.checked).toBeGreaterThan(10);
  });

  it("an agency's own audit trail never identifies what it was refused", async () => {
    const far = as(await outsider.token());
    const since = new Date(Date.now() - 1).toISOString();
    await far.get(`/fhir/Observation/${sensitiveId}`).expect(404);
    await far.get('/fhir/Observation/never-existed-9').expect(404);
    await far.get(`/fhir/Observation?patient=${patientId}`).expect(200);
    const mine = (await far.get(`/fhir/AuditEvent?date=ge${since}&_count=500`).expect(200)).body as Bundle;
    const events = (mine.entry ?? []).map((e) => e.resource as AuditEvent);
    const denied = events.filter((e) => e.outcome !== '0');
    // The hidden read and the missing one leave the same record in the caller's view; the
    // search's withheld results leave none there.
    const [missingRead, hiddenRead] = denied;
    const shape = (e: AuditEvent) =>
      JSON.stringify({
        ...e,
        id: undefined,
        recorded: undefined,
        meta: undefined,
        entity: e.entity?.filter((x) => !x.what?.identifier),
      });
    expect(denied).toHaveLength(2);
    expect(shape(hiddenRead)).toBe(shape(missingRead));
    for (const e of denied) {
      expect(JSON.stringify(e)).not.toContain(patientId);
      expect(JSON.stringify(e)).not.toContain(sensitiveId);
    }
    const byPatient = (await far.get(`/fhir/AuditEvent?patient=${patientId}`).expect(200)).body as Bundle;
    expect((byPatient.entry ?? []).every((e) => (e.resource as AuditEvent).outcome === '0')).toBe(true);
    // Every AuditEvent search parameter is matched on that view: a criterion finds a refusal by
    // what the caller asked, never by what the hub withheld.
    const found = async (q: string) =>
      (((await far.get(`/fhir/AuditEvent?${q}`).expect(200)).body as Bundle).entry ?? []).map(
        (e) => e.resource?.id,
      );
    const deniedIds = denied.map((e) => e.id);
    const role = (code: string) => `entity-role=${AUDIT_SYSTEMS.objectRole}|${code}&date=ge${since}`;
    for (const q of [`outcome=4&date=ge${since}`, `subtype=read&outcome:not=0`, `${role('4')}&outcome=4`])
      expect(await found(q)).toEqual(expect.arrayContaining(deniedIds));
    const withheld = [`entity=Observation/${sensitiveId}`, `patient=${patientId}&outcome=4`, role('1')];
    for (const q of [...withheld, `patient:missing=false&date=ge${since}`])
      expect({ q, found: (await found(q)).filter((id) => deniedIds.includes(id)) }).toEqual({ q, found: [] });
    expect(await found(`agent=Organization/cabinet&date=ge${since}`)).toEqual([]);
    for (const q of ['_content=x', '_total=accurate', '_sort=date', 'colour=x'])
      await far.get(`/fhir/AuditEvent?${q}`).expect(400);
    for (const e of denied) {
      const one = await far.get(`/fhir/AuditEvent/${e.id}`).expect(200);
      expect(JSON.stringify(one.body)).not.toContain(patientId);
    }
    // The operator's view keeps the whole record (the patient's access report reads it too).
    const all = await request(hub.url)
      .get(`/admin/audit/events?agency=chu-far&patient=${patientId}&outcome=4`)
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect((all.body as { events: AuditEvent[] }).events.length).toBeGreaterThan(0);
    const care = await request(hub.url)
      .get(`/admin/care-relationships/patients/${patientId}`)
      .set('authorization', `Bearer ${TEST_ADMIN_TOKEN}`)
      .expect(200);
    expect(
      (care.body as { relationships: { agency: string; basis: string }[] }).relationships.map(
        (r) => `${r.agency}:${r.basis}`,
      ),
    ).toEqual(expect.arrayContaining(['chu:own-record', 'cabinet:gp-of-record', 'psy-clinic:referral']));
  });

  it('records Consent changes as notices and refuses a Consent without the privacy rules', async () => {
    const bad = { ...privacyConsent(patientId, 'chu', { type: 'deny' }), performer: undefined };
    await hospital.post('/fhir/Consent').set('content-type', FHIR_JSON).send(bad).expect(400);
  });
});

describe('explicit consent model', () => {
  let hub: TestHub;
  afterAll(() => hub.close());

  it('shares nothing until the patient opts in, and break-glass can be forbidden', async () => {
    hub = await startTestHub('postgres', { env: { CONSENT_MODEL: 'explicit', BREAK_GLASS: 'forbidden' } });
    const h = await registerAgency(hub, { id: 'chu' });
    const g = await registerAgency(hub, { id: 'cabinet', kind: 'gp' });
    const hospital = request.agent(hub.url).set('authorization', `Bearer ${await h.token()}`);
    const gp = request.agent(hub.url).set('authorization', `Bearer ${await g.token()}`);
    const etreat = request
      .agent(hub.url)
      .set('authorization', `Bearer ${await g.token({ purposeOfUse: 'ETREAT', breakGlassReason: 'A&E' })}`);
    const p = await hospital
      .post('/fhir/Patient')
      .set('content-type', FHIR_JSON)
      .send({
        resourceType: 'Patient',
        gender: 'female',
        generalPractitioner: [{ reference: 'Organization/cabinet' }],
      })
      .expect(201);
    const o = await hospital
      .post('/fhir/Observation')
      .set('content-type', FHIR_JSON)
      .send(observation(p.body.id, '8867-4'))
      .expect(201);
    await gp.get(`/fhir/Observation/${o.body.id}`).expect(404);
    await etreat.get(`/fhir/Observation/${o.body.id}`).expect(404);
    await hospital
      .post('/fhir/Consent')
      .set('content-type', FHIR_JSON)
      .send(privacyConsent(p.body.id, 'chu', { type: 'permit', actor: [actor('cabinet')] }))
      .expect(201);
    await gp.get(`/fhir/Observation/${o.body.id}`).expect(200);
  });
});
