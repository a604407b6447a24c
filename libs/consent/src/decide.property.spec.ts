import fc from 'fast-check';
import type { Coding, Consent, ConsentProvision, Period } from 'fhir/r4';
import { SENDER_ONLY_TYPES, type SupportedType } from '@passerelle/fhir';
import {
  AGENCIES,
  agencyKind,
  asker,
  confidentiality,
  during,
  NOW,
  org,
  PATIENT,
  privacyConsent,
  purpose,
  resourceClass,
  sensitivity,
} from './consent.fixtures';
import { decide } from './decide';
import type {
  AgencyKind,
  ConsentPolicy,
  Decision,
  DisclosureContext,
  PatientConsents,
  ResourceFacts,
} from './types';

// ---- generators ------------------------------------------------------------------------------

const AGENCY_IDS = Object.keys(AGENCIES);
const PURPOSES = ['TREAT', 'ETREAT', 'HOPERAT', 'PUBHLTH', 'HRESCH', 'HPAYMT', 'PATRQT'];
const TYPES: SupportedType[] = ['Observation', 'Condition', 'MedicationRequest', 'DocumentReference'];
const KINDS: AgencyKind[] = ['hospital', 'gp', 'specialist'];
const NOT_SENSITIVE: Coding[] = [
  confidentiality('N'),
  confidentiality('L'),
  { system: 'urn:example:tag', code: 'demo' },
];
const SENSITIVE: Coding[] = [
  sensitivity('PSY'),
  sensitivity('HIV'),
  sensitivity('SPI'),
  confidentiality('R'),
  confidentiality('V'),
];
const PERIODS: Period[] = [
  { end: '2019-12-31' },
  { start: '2020-01-01' },
  { start: '2024-01-01', end: '2026-01-01' },
  { start: '2026-01-01' },
];
const DATA_PERIODS = [
  during('2018-03-01', '2018-03-02'),
  during('2023-03-01', '2023-03-02'),
  during('2019-06-01', '2021-06-01'),
];

const policyArb: fc.Arbitrary<ConsentPolicy> = fc.record({
  model: fc.constantFrom('implied', 'explicit'),
  breakGlass: fc.constantFrom('allowed', 'forbidden'),
});

const ctxArb: fc.Arbitrary<DisclosureContext> = fc
  .record({
    agency: fc.constantFrom(...AGENCY_IDS),
    purpose: fc.option(fc.constantFrom(...PURPOSES), { nil: undefined }),
    reason: fc.option(fc.constantFrom('cardiac arrest', ' '), { nil: undefined }),
  })
  .map(({ agency, purpose: p, reason }) => asker(agency, p, reason));

const factsArb = (labels: Coding[]): fc.Arbitrary<ResourceFacts> =>
  fc.record({
    type: fc.constantFrom(...TYPES),
    id: fc.constantFrom('r1', 'r2'),
    sourceAgency: fc.constantFrom(...AGENCY_IDS, 'hub'),
    patientId: fc.constant(PATIENT),
    securityLabels: fc.subarray(labels, { maxLength: 2 }),
    dataPeriod: fc.option(fc.constantFrom(...DATA_PERIODS), { nil: undefined }),
  });

/** Mostly absent, so that provisions often apply: a condition on every kind would rarely hold. */
const sometimes = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

/** A provision tree; `labels` is the pool security labels are drawn from. Never `code`. */
const provisionArb = (labels: Coding[]) => {
  const actors = fc.constantFrom(...AGENCY_IDS.map(org), ...KINDS.map(agencyKind));
  const node = (depth: number): fc.Arbitrary<ConsentProvision> =>
    fc
      .record({
        type: fc.constantFrom<'permit' | 'deny' | undefined>('permit', 'deny', 'permit', 'deny', undefined),
        actor: sometimes(fc.array(actors, { minLength: 1, maxLength: 3 })),
        purpose: sometimes(fc.subarray(PURPOSES.map(purpose), { minLength: 1, maxLength: 3 })),
        class: sometimes(fc.subarray(TYPES.map(resourceClass), { minLength: 1, maxLength: 2 })),
        securityLabel: sometimes(fc.subarray(labels, { minLength: 1, maxLength: 2 })),
        data: sometimes(
          fc.constant([{ meaning: 'instance' as const, reference: { reference: 'Observation/r1' } }]),
        ),
        dataPeriod: sometimes(fc.constantFrom(...PERIODS)),
        period: sometimes(fc.constantFrom(...PERIODS)),
        provision:
          depth > 0
            ? sometimes(fc.array(node(depth - 1), { minLength: 1, maxLength: 3 }))
            : fc.constant(undefined),
      })
      .map((p) => JSON.parse(JSON.stringify(p)) as ConsentProvision); // drop undefined keys
  return node(2);
};

const consentsArb = (labels: Coding[]) =>
  fc.array(
    fc
      .record({ provision: provisionArb(labels), active: fc.boolean() })
      .map(({ provision, active }) => privacyConsent(provision, active ? {} : { status: 'inactive' })),
    { maxLength: 4 },
  );

/** Every agency of the specs is in the patient's care (the relationship properties say otherwise). */
const person = (consents: Consent[], careAgencies: readonly string[] = AGENCY_IDS): PatientConsents => ({
  patientIds: [PATIENT],
  consents,
  careAgencies,
});
const run = (ctx: DisclosureContext, f: ResourceFacts, consents: Consent[], p: ConsentPolicy) =>
  decide(ctx, f, person(consents), p, NOW);
const breakGlassPossible = (ctx: DisclosureContext, p: ConsentPolicy) =>
  p.breakGlass === 'allowed' && ctx.purposeOfUse === 'ETREAT' && !!ctx.breakGlassReason?.trim();
const othersData = (ctx: DisclosureContext, f: ResourceFacts) => f.sourceAgency !== ctx.agency;

/** A seeded shuffle of every list that carries no meaning in its order. */
function shuffled(consents: Consent[], seed: number): Consent[] {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (s * 1103515245 + 12345) >>> 0), s / 2 ** 32);
  const shuffle = <T>(list: readonly T[]): T[] => {
    const out = [...list];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  };
  const tree = (p: ConsentProvision): ConsentProvision => ({
    ...p,
    ...(p.actor && { actor: shuffle(p.actor) }),
    ...(p.securityLabel && { securityLabel: shuffle(p.securityLabel) }),
    ...(p.purpose && { purpose: shuffle(p.purpose) }),
    ...(p.provision && { provision: shuffle(p.provision.map(tree)) }),
  });
  return shuffle(consents.map((c) => ({ ...c, ...(c.provision && { provision: tree(c.provision) }) })));
}

/** A deny constraining all 8 condition kinds, each holding for this request: specificity 8. */
function sharpestDeny(ctx: DisclosureContext, f: ResourceFacts): Consent {
  const levels = f.securityLabels.filter((l) => l.system === confidentiality('N').system).map((l) => l.code);
  const level = levels.includes('V') ? 'V' : levels.includes('R') ? 'R' : 'N';
  return privacyConsent({
    type: 'deny',
    actor: [org(ctx.agency)],
    purpose: [purpose(ctx.purposeOfUse ?? 'TREAT')],
    class: [resourceClass(f.type)],
    code: [{ text: 'any' }],
    data: [{ meaning: 'instance', reference: { reference: `${f.type}/${f.id}` } }],
    securityLabel: [confidentiality(level)],
    dataPeriod: { start: '1900-01-01' },
    period: { start: '2000-01-01' },
  });
}

const ALL_LABELS = [...NOT_SENSITIVE, ...SENSITIVE];
const isBreakGlass = (d: Decision) => d.permit && d.breakGlass;

// ---- properties ------------------------------------------------------------------------------

describe('decide: properties', () => {
  it('always permits an agency its own data', () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), consentsArb(ALL_LABELS), policyArb, (ctx, f, consents, p) => {
        expect(run(ctx, { ...f, sourceAgency: ctx.agency }, consents, p)).toEqual({
          permit: true,
          breakGlass: false,
          basis: 'own-data',
        });
      }),
    );
  });

  // The search's total counts these in SQL without deciding on them (ReadScope.alwaysVisible,
  // SHARED_DIRECTORY_ROW): the two must agree.
  it('always permits data about no patient (directory resources) but a sender-only type, which only its sender sees', () => {
    fc.assert(
      fc.property(
        ctxArb,
        factsArb(ALL_LABELS),
        consentsArb(ALL_LABELS),
        policyArb,
        fc.constantFrom<SupportedType>('Organization', 'Medication', 'Location', ...SENDER_ONLY_TYPES),
        (ctx, f, consents, p, type) => {
          const decided = run(ctx, { ...f, type, patientId: null }, consents, p);
          const senderOnly = SENDER_ONLY_TYPES.includes(type);
          expect(decided.permit).toBe(!senderOnly || f.sourceAgency === ctx.agency);
          if (senderOnly && f.sourceAgency !== ctx.agency)
            expect(decided).toEqual({ permit: false, basis: 'sender-only' });
        },
      ),
    );
  });

  it("without a care relationship, no consent discloses another agency's patient data (but break-glass)", () => {
    fc.assert(
      fc.property(
        ctxArb,
        factsArb(ALL_LABELS),
        consentsArb(ALL_LABELS),
        policyArb,
        fc.subarray(AGENCY_IDS),
        (ctx, f, consents, p, care) => {
          fc.pre(othersData(ctx, f) && f.patientId !== null && ctx.purposeOfUse !== undefined);
          const d = decide(
            ctx,
            f,
            person(
              consents,
              care.filter((a) => a !== ctx.agency),
            ),
            p,
            NOW,
          );
          expect(d).toEqual(
            breakGlassPossible(ctx, p)
              ? { permit: true, breakGlass: true, basis: 'break-glass' }
              : { permit: false, basis: 'no-care-relationship' },
          );
        },
      ),
    );
  });

  it("a care relationship never permits by itself: with one, the decision is the consent rules'", () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), consentsArb(ALL_LABELS), policyArb, (ctx, f, consents, p) => {
        const withCare = decide(ctx, f, person(consents, [ctx.agency]), p, NOW);
        const everyone = decide(ctx, f, person(consents), p, NOW);
        expect(withCare).toEqual(everyone);
        if (withCare.permit && !withCare.breakGlass && othersData(ctx, f) && f.patientId !== null)
          expect(['base-implied', 'consent-permit']).toContain(withCare.basis);
      }),
    );
  });

  it('explicit model, no consents: every other agency is denied patient data (but for break-glass)', () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), policyArb, (ctx, f, p) => {
        fc.pre(othersData(ctx, f));
        const d = run(ctx, f, [], { ...p, model: 'explicit' });
        expect(d.permit ? d.basis : 'denied').toBe(breakGlassPossible(ctx, p) ? 'break-glass' : 'denied');
      }),
    );
  });

  it('ignores consents of other patients, revoked ones, and provisions for other agencies', () => {
    fc.assert(
      fc.property(
        ctxArb,
        factsArb(ALL_LABELS),
        consentsArb(ALL_LABELS),
        consentsArb(ALL_LABELS),
        policyArb,
        fc.nat(),
        (ctx, f, mine, unrelated, p, pick) => {
          const others = AGENCY_IDS.filter((a) => a !== ctx.agency);
          const forOthers = unrelated.map((c, i) => ({
            ...c,
            // The root names another agency: every nested provision inherits that actor.
            provision: { ...c.provision, actor: [org(others[(pick + i) % others.length])] },
          }));
          const noise = [
            ...forOthers,
            ...unrelated.map((c) => ({ ...c, patient: { reference: 'Patient/someone-else' } })),
            ...unrelated.map((c) => ({ ...c, status: 'inactive' as const })),
          ];
          expect(run(ctx, f, [...mine, ...noise], p)).toEqual(run(ctx, f, mine, p));
        },
      ),
    );
  });

  it('a matching deny more specific than every other provision wins', () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), consentsArb(ALL_LABELS), policyArb, (ctx, f, consents, p) => {
        fc.pre(othersData(ctx, f) && ctx.purposeOfUse !== undefined);
        const d = run(ctx, f, [...consents, sharpestDeny(ctx, f)], p);
        expect(d).toEqual(
          breakGlassPossible(ctx, p)
            ? { permit: true, breakGlass: true, basis: 'break-glass' }
            : { permit: false, basis: 'consent-deny' },
        );
      }),
    );
  });

  it('never discloses sensitive data without a permit naming its label, but for break-glass', () => {
    fc.assert(
      fc.property(
        ctxArb,
        factsArb(SENSITIVE).filter((f) => f.securityLabels.length > 0),
        consentsArb(NOT_SENSITIVE),
        policyArb,
        (ctx, f, consents, p) => {
          fc.pre(othersData(ctx, f));
          const d = run(ctx, f, consents, p);
          if (d.permit) expect(d).toEqual({ permit: true, breakGlass: true, basis: 'break-glass' });
          if (isBreakGlass(d)) expect(breakGlassPossible(ctx, p)).toBe(true);
        },
      ),
    );
  });

  it('is deterministic: the order of consents and of their lists does not matter', () => {
    fc.assert(
      fc.property(
        ctxArb,
        factsArb(ALL_LABELS),
        consentsArb(ALL_LABELS),
        policyArb,
        fc.nat(),
        (ctx, f, consents, p, seed) => {
          expect(run(ctx, shuffledFacts(f, seed), shuffled(consents, seed), p)).toEqual(
            run(ctx, f, consents, p),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('revoking every consent gives the base decision', () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), consentsArb(ALL_LABELS), policyArb, (ctx, f, consents, p) => {
        const revoked = consents.map((c) => ({ ...c, status: 'inactive' as const }));
        expect(run(ctx, f, revoked, p)).toEqual(run(ctx, f, [], p));
      }),
    );
  });

  it('tells the patient (breakGlass) only when break-glass changed the decision', () => {
    fc.assert(
      fc.property(ctxArb, factsArb(ALL_LABELS), consentsArb(ALL_LABELS), policyArb, (ctx, f, consents, p) => {
        const d = run(ctx, f, consents, p);
        if (isBreakGlass(d))
          expect(run(ctx, f, consents, { ...p, breakGlass: 'forbidden' }).permit).toBe(false);
        expect(isBreakGlass(d)).toBe(d.basis === 'break-glass');
      }),
    );
  });
});

function shuffledFacts(f: ResourceFacts, seed: number): ResourceFacts {
  const labels = [...f.securityLabels];
  if (seed % 2 === 1) labels.reverse();
  return { ...f, securityLabels: labels };
}
