import type { Coding, Consent, ConsentProvision, Observation } from 'fhir/r4';
import fc from 'fast-check';
import { decide, type DisclosureContext, grantsItself } from '@passerelle/consent';
import { parseDateRange } from '@passerelle/fhir';
import { actor, privacyConsent, PSY, registerAgency, startTestHub, type TestHub } from '@passerelle/testing';
import request from 'supertest';

/**
 * Property: for random data and random consents, no resource the consent rules deny ever
 * appears in any response body the GP gets, on any read path. decide() is the oracle: this
 * checks that every path enforces it, not the rules themselves (see libs/consent's specs).
 */
const FHIR_JSON = 'application/fhir+json';
const HIV: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'HIV' };
const RESTRICTED: Coding = { system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' };
const LABELS: (Coding | undefined)[] = [undefined, undefined, PSY, HIV, RESTRICTED];

const provisionArb: fc.Arbitrary<ConsentProvision> = fc
  .record({
    type: fc.constantFrom<'permit' | 'deny'>('permit', 'deny'),
    actor: fc.option(fc.constantFrom('cabinet', 'chu', 'psy-clinic'), { nil: undefined }),
    label: fc.option(fc.constantFrom(PSY, HIV, RESTRICTED), { nil: undefined }),
    nested: fc.option(
      fc.record({
        type: fc.constantFrom<'permit' | 'deny'>('permit', 'deny'),
        label: fc.constantFrom(PSY, HIV, RESTRICTED),
      }),
      { nil: undefined },
    ),
  })
  .map(({ type, actor: who, label, nested }) => ({
    type,
    ...(who ? { actor: [actor(who)] } : {}),
    ...(label ? { securityLabel: [label] } : {}),
    ...(nested ? { provision: [{ type: nested.type, securityLabel: [nested.label] }] } : {}),
  }));

const caseArb = fc.record({
  labels: fc.array(fc.integer({ min: 0, max: LABELS.length - 1 }), { minLength: 2, maxLength: 6 }),
  consents: fc.array(provisionArb, { maxLength: 2 }),
  asker: fc.constantFrom<'cabinet' | 'psy-clinic'>('cabinet', 'psy-clinic'),
  /** The hospital's record names the GP practice as GP of record. */
  gpOfRecord: fc.boolean(),
  /** The hospital refers the patient to the clinic (an active ServiceRequest). */
  referral: fc.boolean(),
});

const idsIn = (body: unknown) =>
  new Set([...JSON.stringify(body).matchAll(/"id":\s*"([^"]+)"/g)].map((m) => m[1]));

/** A 404 body without its per-request parts: what a denied read and a missing one must share. */
const notFoundShape = (body: { issue?: { severity?: string; code?: string; diagnostics?: string }[] }) =>
  JSON.stringify(body.issue?.map(({ severity, code, diagnostics }) => ({ severity, code, diagnostics })));

describe('no denied resource in any response body (property, PostgreSQL)', () => {
  let hub: TestHub;
  let hospital: ReturnType<typeof request.agent>;
  const askers = new Map<string, ReturnType<typeof request.agent>>();
  const KINDS = { cabinet: 'gp', 'psy-clinic': 'specialist' } as const;
  beforeAll(async () => {
    hub = await startTestHub('postgres');
    hospital = request
      .agent(hub.url)
      .set('authorization', `Bearer ${await (await registerAgency(hub, { id: 'chu' })).token()}`);
    for (const [id, kind] of Object.entries(KINDS)) {
      const agency = await registerAgency(hub, { id, kind });
      askers.set(id, request.agent(hub.url).set('authorization', `Bearer ${await agency.token()}`));
    }
  });
  afterAll(() => hub.close());

  const post = async (body: object, status = 201) =>
    (
      await hospital
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(status)
    ).body as { id: string };

  it('holds for every read path, relationships and consent authorship included', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ labels, consents, asker, gpOfRecord, referral }) => {
        const ctx: DisclosureContext = { agency: asker, agencyKind: KINDS[asker], purposeOfUse: 'TREAT' };
        const as = askers.get(asker)!;
        const patientId = (
          await post({
            resourceType: 'Patient',
            gender: 'other',
            ...(gpOfRecord ? { generalPractitioner: [{ reference: 'Organization/cabinet' }] } : {}),
          })
        ).id;
        if (referral)
          await post({
            resourceType: 'ServiceRequest',
            status: 'active',
            intent: 'order',
            subject: { reference: `Patient/${patientId}` },
            performer: [{ reference: 'Organization/psy-clinic' }],
          });
        const observations: Observation[] = [];
        for (const [i, labelIndex] of labels.entries()) {
          const label = LABELS[labelIndex];
          const o: Observation = {
            resourceType: 'Observation',
            ...(label ? { meta: { security: [label] } } : {}),
            status: 'final',
            code: { coding: [{ system: 'http://loinc.org', code: `1000${i}-0` }] },
            subject: { reference: `Patient/${patientId}` },
            effectiveDateTime: '2025-02-01T09:00:00Z',
          };
          observations.push({ ...o, id: (await post(o)).id });
        }
        // The hospital records the consents; one that would disclose to itself is refused.
        const stored: Consent[] = [];
        for (const provision of consents) {
          const consent = privacyConsent(patientId, 'chu', provision);
          if (grantsItself(consent, { agency: 'chu', agencyKind: 'hospital' })) await post(consent, 403);
          else stored.push({ ...consent, id: (await post(consent)).id });
        }
        const careAgencies = ['chu', ...(gpOfRecord ? ['cabinet'] : []), ...(referral ? ['psy-clinic'] : [])];
        const range = parseDateRange('2025-02-01T09:00:00Z')!;
        const denied = observations.filter(
          (o) =>
            !decide(
              ctx,
              {
                type: 'Observation',
                id: o.id!,
                sourceAgency: 'chu',
                patientId,
                securityLabels: o.meta?.security ?? [],
                dataPeriod: range,
              },
              { patientIds: [patientId], consents: stored, careAgencies },
              { model: 'implied', breakGlass: 'allowed' },
              new Date(),
            ).permit,
        );
        const bodies = [
          (await as.get(`/fhir/Observation?patient=${patientId}&_count=2`)).body,
          (await as.get(`/fhir/Observation?patient=${patientId}&_summary=count`)).body,
          (await as.get(`/fhir/Observation?code=http://loinc.org|10000-0`)).body,
          (await as.get(`/fhir/Patient?_id=${patientId}&_revinclude=Observation:subject`)).body,
          (await as.get('/fhir/Patient?_count=500')).body,
          (await as.get(`/fhir/Patient/${patientId}/$everything`)).body,
          (await as.get('/fhir/Observation/_history?_count=500')).body,
        ];
        const visible = (await as.get(`/fhir/Observation?patient=${patientId}&_summary=count`)).body as {
          total: number;
        };
        expect(visible.total).toBe(observations.length - denied.length);
        const missing = await as.get('/fhir/Observation/never-existed-0');
        for (const o of denied) {
          for (const body of bodies) expect(idsIn(body).has(o.id!)).toBe(false);
          for (const path of [`/fhir/Observation/${o.id}`, `/fhir/Observation/${o.id}/_history/1`]) {
            const answer = await as.get(path);
            expect(answer.status).toBe(404);
            expect(notFoundShape(answer.body)).toBe(notFoundShape(missing.body));
          }
          const history = (await as.get(`/fhir/Observation/${o.id}/_history`)).body as { total?: number };
          expect(idsIn(history).has(o.id!)).toBe(false);
        }
        // Without a relationship the person does not exist for the asker, not even their record.
        if (!careAgencies.includes(asker)) {
          expect((await as.get(`/fhir/Patient/${patientId}`)).status).toBe(404);
          for (const body of bodies) expect(idsIn(body).has(patientId)).toBe(false);
        }
      }),
      { numRuns: 12 },
    );
  });
});
