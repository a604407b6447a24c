import type {
  Condition,
  Consent,
  FhirResource,
  MedicationRequest,
  Observation,
  Organization,
  ServiceRequest,
} from 'fhir/r4';
import { CONSENT_DECIDER, type ConsentDecider, type DisclosureContext, factsOf } from '@passerelle/consent';
import { INS_SYSTEM, qualifiedInsExtension } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';
import {
  actor,
  type ConsentScenario,
  consentScenarios,
  DATA_SOURCE,
  LINKED_RECORD_AGENCY,
  registerAgency,
  SCENARIO_AGENCIES,
  type ScenarioAgency,
  scenarioConsent,
  STORE_KINDS,
  startTestHub,
  type TestAgency,
  type TestHub,
  auditCaughtUp,
} from '@passerelle/testing';
import request from 'supertest';
import { DataSource } from 'typeorm';

/**
 * The consent scenario table (test/support/consents.ts) against a running hub, on PostgreSQL and
 * on PGlite: each case is written through the FHIR API (patient, data, consents; the few consents
 * the API refuses go straight to the store), then the hub's own ConsentService must reach the
 * table's decision, and the read must answer what that decision means over HTTP: 200, or 404
 * with the body of a resource that never existed, or 403 without a purpose of use; its audit
 * record must say success or denied, and break-glass where break-glass was used.
 */
const FHIR_JSON = 'application/fhir+json';
const SCENARIOS = consentScenarios(new Date());
const POLICIES = [
  { model: 'implied', breakGlass: 'forbidden' },
  { model: 'implied', breakGlass: 'allowed' },
  { model: 'explicit', breakGlass: 'forbidden' },
  { model: 'explicit', breakGlass: 'allowed' },
] as const;
const INS = '275034412345657'; // a valid NIR with its key: links the records of one person
const PRIVACY_SCOPE = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }],
};

let serial = 0;

/** The resource a scenario reads, about `patientId` (unless it is directory data). */
function dataOf(
  s: ConsentScenario,
  patientId: string,
): Observation | Condition | MedicationRequest | Organization {
  const type = s.data?.type ?? 'Observation';
  const meta = s.data?.labels ? { meta: { security: s.data.labels } } : {};
  const subject = { reference: `Patient/${patientId}` };
  switch (type) {
    case 'Organization':
      return { resourceType: 'Organization', name: `Practice ${++serial}` };
    case 'Condition':
      return { resourceType: 'Condition', ...meta, subject, code: { text: 'Asthma' } };
    case 'MedicationRequest':
      return {
        resourceType: 'MedicationRequest',
        ...meta,
        status: 'active',
        intent: 'order',
        medicationCodeableConcept: { text: 'Salbutamol' },
        subject,
      };
    case 'Observation':
      return {
        resourceType: 'Observation',
        ...meta,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
        subject,
        ...(s.data?.date ? { effectiveDateTime: s.data.date } : {}),
      };
  }
}

/** The hub writing a Consent from the patient's signed paper form (the mailroom records it). */
const PAPER_FORM = { agency: 'hub', requestId: 'paper-form' };

/** An active referral of the patient to `agency`: a care relationship. */
const referral = (patientId: string, agency: string): ServiceRequest => ({
  resourceType: 'ServiceRequest',
  status: 'active',
  intent: 'order',
  subject: { reference: `Patient/${patientId}` },
  performer: [{ reference: `Organization/${agency}` }],
});

/** A Consent the API accepts, about the same record with the same status: same search keys. */
function standIn(consent: Consent): Consent {
  return { ...consent, scope: PRIVACY_SCOPE, provision: { type: 'permit', actor: [actor('stand-in')] } };
}

/**
 * Puts `consent` (which the API and the store's validator refuse) in place of the stand-in's
 * content, in the current row and its history: a Consent stored before the rules were checked.
 */
async function plant(db: DataSource, consent: Consent, id: string): Promise<void> {
  for (const table of ['resource', 'resource_version']) {
    await db.query(
      `UPDATE ${table} SET content = content || $1::jsonb WHERE resource_type = 'Consent' AND id = $2`,
      [JSON.stringify({ scope: consent.scope, provision: consent.provision }), id],
    );
  }
}

describe.each(STORE_KINDS)('consent scenario table on %s', (kind) => {
  it('has at least 30 scenarios, on every policy', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
    for (const p of POLICIES)
      expect(SCENARIOS.some((s) => s.policy.model === p.model && s.policy.breakGlass === p.breakGlass)).toBe(
        true,
      );
  });

  describe.each(POLICIES)('CONSENT_MODEL=$model BREAK_GLASS=$breakGlass', (policy) => {
    let hub: TestHub;
    const agencies = new Map<ScenarioAgency, TestAgency>();
    const tokens = new Map<string, Promise<string>>();
    const token = (agency: ScenarioAgency, purposeOfUse = '', breakGlassReason?: string) => {
      const key = `${agency}|${purposeOfUse}|${breakGlassReason ?? ''}`;
      if (!tokens.has(key)) tokens.set(key, agencies.get(agency)!.token({ purposeOfUse, breakGlassReason }));
      return tokens.get(key)!;
    };
    const as = async (agency: ScenarioAgency) =>
      request.agent(hub.url).set('authorization', `Bearer ${await token(agency, 'TREAT')}`);
    const create = async (agency: ScenarioAgency, resource: FhirResource) =>
      (
        await (
          await as(agency)
        )
          .post(`/fhir/${resource.resourceType}`)
          .set('content-type', FHIR_JSON)
          .send(resource)
          .expect(201)
      ).body.id as string;
    const patient = (agency: ScenarioAgency, withIns: boolean) =>
      create(agency, {
        resourceType: 'Patient',
        identifier: [
          { system: `https://${agency}.example/mrn`, value: `m-${++serial}` },
          ...(withIns ? [{ system: INS_SYSTEM, value: INS }] : []),
        ],
        // A qualified identity with its INS traits: what lets the INS link the records.
        ...(withIns ? { extension: [qualifiedInsExtension()] } : {}),
        name: [{ use: 'official', family: 'Roche', given: ['Inès'] }],
        gender: 'female',
        birthDate: '1970-01-01',
      });

    beforeAll(async () => {
      // No router: plant() rewrites a stored version in place, which a router reading (and the
      // consent source caching) that version in between would not see. Routing has its own e2e.
      hub = await startTestHub(kind, {
        env: { CONSENT_MODEL: policy.model, BREAK_GLASS: policy.breakGlass, SYNC_WORKER: 'off' },
      });
      for (const [id, agencyKind] of Object.entries(SCENARIO_AGENCIES))
        agencies.set(id as ScenarioAgency, await registerAgency(hub, { id, kind: agencyKind }));
    });
    afterAll(() => hub.close());

    const cases = SCENARIOS.filter(
      (s) => s.policy.model === policy.model && s.policy.breakGlass === policy.breakGlass,
    );
    it.each(cases)('$name', async (s) => {
      // The scenario, written through the API.
      const ids = {
        patient: await patient(DATA_SOURCE, !!s.linkedRecord),
        linked: s.linkedRecord ? await patient(LINKED_RECORD_AGENCY, true) : undefined,
        other: s.consents?.some((c) => c.about === 'other') ? await patient(DATA_SOURCE, false) : undefined,
      };
      const data = dataOf(s, ids.patient);
      const dataId = await create(DATA_SOURCE, data);
      // The asker's care relationship: the data source refers the patient to it.
      if (s.careRelationship !== false && s.asker.agency !== DATA_SOURCE)
        await create(DATA_SOURCE, referral(ids.patient, s.asker.agency));
      const db = hub.app.get(DataSource);
      const repo = hub.app.get(FhirRepository);
      for (const c of s.consents ?? []) {
        const consent = scenarioConsent(c, ids);
        if (c.recordedBy !== undefined) {
          // An agency records it through the API: a permit that would disclose to it is refused.
          const res = await (
            await as(c.recordedBy)
          )
            .post('/fhir/Consent')
            .set('content-type', FHIR_JSON)
            .send(consent);
          expect(res.status).toBe(c.apiRefuses ? 400 : c.selfGranted ? 403 : 201);
          continue;
        }
        // The hub records it from the patient's paper form.
        const written = await repo
          .create(PAPER_FORM, 'Consent', consent)
          .then(() => true)
          .catch(() => false);
        expect(written).toBe(!c.apiRefuses);
        if (c.apiRefuses)
          await plant(db, consent, (await repo.create(PAPER_FORM, 'Consent', standIn(consent))).stored.id);
      }

      // The decision the hub reaches on the stored data.
      const ctx: DisclosureContext = {
        agency: s.asker.agency,
        agencyKind: SCENARIO_AGENCIES[s.asker.agency],
        ...(s.asker.purposeOfUse !== undefined && { purposeOfUse: s.asker.purposeOfUse }),
        ...(s.asker.breakGlassReason !== undefined && { breakGlassReason: s.asker.breakGlassReason }),
      };
      const stored = await repo.internal.current(data.resourceType, dataId);
      const [decision] = await hub.app
        .get<ConsentDecider>(CONSENT_DECIDER)
        .decideAll(db.manager, ctx, [factsOf(stored!)]);
      expect(decision).toEqual(
        s.permit
          ? { permit: true, breakGlass: s.breakGlass ?? false, basis: s.basis }
          : { permit: false, basis: s.basis },
      );

      // The HTTP answer to the read, and its audit record.
      const { agency, purposeOfUse, breakGlassReason } = s.asker;
      if ((purposeOfUse === 'ETREAT') !== !!breakGlassReason?.trim()) {
        // ETREAT without a reason, or a reason without ETREAT: the token endpoint refuses it.
        await expect(token(agency, purposeOfUse, breakGlassReason)).rejects.toThrow(/: 400 /);
        return;
      }
      const reader = request
        .agent(hub.url)
        .set('authorization', `Bearer ${await token(agency, purposeOfUse, breakGlassReason)}`);
      const path = `/fhir/${data.resourceType}/${dataId}`;
      if (purposeOfUse === undefined) {
        await reader.get(path).expect(403);
        return;
      }
      const res = await reader.get(path);
      expect(res.status).toBe(s.permit ? 200 : 404);
      if (!s.permit) {
        const missing = await reader.get(`/fhir/${data.resourceType}/never-${dataId}`).expect(404);
        expect(res.body).toEqual(missing.body);
      }
      if (data.resourceType === 'Organization') return; // no patient: nothing more to check
      await auditCaughtUp(db);
      const audit: { outcome: string; break_glass: boolean }[] = await db.query(
        `SELECT outcome, break_glass FROM audit_event
          WHERE agency = $1 AND patient_id = $2 AND interaction = 'read' ORDER BY seq DESC LIMIT 1`,
        [agency, ids.patient],
      );
      expect(audit).toEqual([{ outcome: s.permit ? '0' : '4', break_glass: s.breakGlass ?? false }]);
      const notices: unknown[] = await db.query(
        `SELECT 1 FROM patient_notification WHERE patient_id = $1 AND kind = 'break-glass'`,
        [ids.patient],
      );
      expect(notices.length > 0).toBe(s.breakGlass ?? false);
    });
  });
});
