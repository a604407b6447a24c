import {
  type ConsentScenario,
  consentScenarios,
  DATA_SOURCE,
  LINKED_RECORD_AGENCY,
  SCENARIO_AGENCIES,
  scenarioConsent,
} from '@passerelle/testing-lib';
import { asker, facts, NOW, PATIENT, policy } from './consent.fixtures';
import { decide } from './decide';
import type { DisclosureContext, PatientConsents, ResourceFacts } from './types';

const LINKED = 'pat-1-at-chu';
const OTHER = 'someone-else';
const DAY = 86_400_000;

/** A row of the shared table (test/support/consents.ts) as decide's inputs. */
function inputs(s: ConsentScenario): {
  ctx: DisclosureContext;
  facts: ResourceFacts;
  consents: PatientConsents;
} {
  const ctx: DisclosureContext = {
    agency: s.asker.agency,
    agencyKind: SCENARIO_AGENCIES[s.asker.agency],
    ...(s.asker.purposeOfUse !== undefined && { purposeOfUse: s.asker.purposeOfUse }),
    ...(s.asker.breakGlassReason !== undefined && { breakGlassReason: s.asker.breakGlassReason }),
  };
  const date = s.data?.date === undefined ? undefined : Date.parse(s.data.date);
  const data = facts({
    type: s.data?.type ?? 'Observation',
    ...(s.data?.type === 'Organization' && { id: 'org-1', patientId: null }),
    securityLabels: s.data?.labels ?? [],
    ...(date !== undefined && { dataPeriod: { lo: date, hi: date + DAY } }),
  });
  const ids = { patient: PATIENT, linked: LINKED, other: OTHER };
  // A self-granted permit is refused when recorded: it never reaches a decision.
  const consents = (s.consents ?? [])
    .filter((c) => !c.selfGranted)
    .map((c, i) => ({ ...scenarioConsent(c, ids), id: `consent-${i}` }));
  // The data source holds its record; the linked record's agency holds the person; the others
  // are referred unless the row says they have no care relationship.
  const care = new Set<string>([DATA_SOURCE, ...(s.linkedRecord ? [LINKED_RECORD_AGENCY] : [])]);
  if (s.careRelationship !== false) care.add(s.asker.agency);
  return {
    ctx,
    facts: data,
    consents: {
      patientIds: s.linkedRecord ? [PATIENT, LINKED] : [PATIENT],
      consents,
      careAgencies: [...care],
    },
  };
}

const scenarios = consentScenarios(NOW);

describe('decide: scenarios', () => {
  it('has at least 30 scenarios', () => expect(scenarios.length).toBeGreaterThanOrEqual(30));

  it.each(scenarios)('$name', (s) => {
    const { ctx, facts: data, consents } = inputs(s);
    const decision = decide(ctx, data, consents, s.policy, NOW);
    expect(decision).toEqual(
      s.permit
        ? { permit: true, breakGlass: s.breakGlass ?? false, basis: s.basis }
        : { permit: false, basis: s.basis },
    );
  });

  it('refuses consents read for another patient (a caller bug, never a silent decision)', () => {
    const other = { patientIds: ['someone-else'], consents: [], careAgencies: ['chu-nantes'] };
    expect(() => decide(asker('chu-nantes', 'TREAT'), facts(), other, policy('implied'), NOW)).toThrow();
  });
});
