import type { Coding, Consent, ConsentProvision, Observation } from 'fhir/r4';
import fc from 'fast-check';
import { decide, type DisclosureContext } from '@passerelle/consent';
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
});

const idsIn = (body: unknown) =>
  new Set([...JSON.stringify(body).matchAll(/"id":\s*"([^"]+)"/g)].map((m) => m[1]));

describe('no denied resource in any response body (property, PostgreSQL)', () => {
  let hub: TestHub;
  let hospital: ReturnType<typeof request.agent>;
  let gp: ReturnType<typeof request.agent>;
  beforeAll(async () => {
    hub = await startTestHub('postgres');
    hospital = request
      .agent(hub.url)
      .set('authorization', `Bearer ${await (await registerAgency(hub, { id: 'chu' })).token()}`);
    gp = request
      .agent(hub.url)
      .set(
        'authorization',
        `Bearer ${await (await registerAgency(hub, { id: 'cabinet', kind: 'gp' })).token()}`,
      );
    await registerAgency(hub, { id: 'psy-clinic', kind: 'specialist' });
  });
  afterAll(() => hub.close());

  const post = async (body: object) =>
    (
      await hospital
        .post(`/fhir/${(body as { resourceType: string }).resourceType}`)
        .set('content-type', FHIR_JSON)
        .send(body)
        .expect(201)
    ).body as { id: string };

  it('holds for every read path', async () => {
    const ctx: DisclosureContext = { agency: 'cabinet', agencyKind: 'gp', purposeOfUse: 'TREAT' };
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ labels, consents }) => {
        const patientId = (await post({ resourceType: 'Patient', gender: 'other' })).id;
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
        const stored: Consent[] = [];
        for (const provision of consents) {
          const consent = privacyConsent(patientId, 'chu', provision);
          stored.push({ ...consent, id: (await post(consent)).id });
        }
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
              { patientIds: [patientId], consents: stored },
              { model: 'implied', breakGlass: 'allowed' },
              new Date(),
            ).permit,
        );
        const bodies = [
          (await gp.get(`/fhir/Observation?patient=${patientId}&_count=2`)).body,
          (await gp.get(`/fhir/Observation?patient=${patientId}&_summary=count`)).body,
          (await gp.get(`/fhir/Patient?_id=${patientId}&_revinclude=Observation:subject`)).body,
          (await gp.get(`/fhir/Patient/${patientId}/$everything`)).body,
          (await gp.get('/fhir/Observation/_history?_count=500')).body,
        ];
        const visible = (await gp.get(`/fhir/Observation?patient=${patientId}&_summary=count`)).body as {
          total: number;
        };
        expect(visible.total).toBe(observations.length - denied.length);
        for (const o of denied) {
          for (const body of bodies) expect(idsIn(body).has(o.id!)).toBe(false);
          expect((await gp.get(`/fhir/Observation/${o.id}`)).status).toBe(404);
        }
      }),
      { numRuns: 8 },
    );
  });
});
