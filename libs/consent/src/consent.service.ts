import type { SupportedType } from '@passerelle/fhir';
import type { Db, StoredResource } from '@passerelle/store';
import type { ConsentInputCounts, ConsentSource } from './consent-source';
import { decide, decisionWithoutConsents } from './decide';
import { asDocumentContent, mayBeDocumentContent, withContentOf } from './document-content';
import { factsOf } from './facts';
import type { ConsentPolicy, Decision, DisclosureContext, PatientConsents, ResourceFacts } from './types';

/**
 * The one place that decides who may see what: every path that discloses data asks it.
 * Consents are read afresh on every call (once per distinct patient within it), never cached
 * across calls, so a revocation holds for every later disclosure, queued jobs included.
 */
export class ConsentService {
  constructor(
    private readonly source: ConsentSource,
    readonly policy: ConsentPolicy,
  ) {}

  /**
   * One decision per fact, in order; `db` is the caller's connection or transaction. A resource in
   * several patients' compartments is decided for each of them and disclosed only if every one
   * permits (deny by default: one patient's consent never discloses another's data).
   */
  async decideAll(
    db: Db,
    ctx: DisclosureContext,
    facts: readonly ResourceFacts[],
    now: Date = new Date(),
  ): Promise<Decision[]> {
    // A Binary that is a shared document's content is decided as that document.
    const content = await asDocumentContent(db, ctx, facts);
    const decisions = await this.decideFacts(db, ctx, content.facts, now);
    return decisions.map((d, i) => withContentOf(d, content.contentOf[i]));
  }

  private async decideFacts(
    db: Db,
    ctx: DisclosureContext,
    facts: readonly ResourceFacts[],
    now: Date,
  ): Promise<Decision[]> {
    const perPatient = facts.map(eachPatient);
    const needed = [
      ...new Set(
        perPatient
          .flat()
          .flatMap((f) => (f.patientId === null || decisionWithoutConsents(ctx, f) ? [] : [f.patientId])),
      ),
    ];
    const loaded =
      needed.length > 1 && this.source.consentsForMany
        ? await this.source.consentsForMany(db, needed)
        : new Map<string, PatientConsents>();
    // Whoever the bulk read left out is read alone: deciding without their consents could permit.
    // Sequential on purpose: one connection (a transaction, or PGlite) runs one query at a time.
    for (const id of needed) if (!loaded.has(id)) loaded.set(id, await this.source.consentsFor(db, id));
    return perPatient.map((each) =>
      allOf(
        each.map((f) => {
          const consents = (f.patientId !== null && loaded.get(f.patientId)) || NO_CONSENTS(f.patientId);
          return decide(ctx, f, consents, this.policy, now);
        }),
      ),
    );
  }

  /** Checked reads decided on a held person's input, and those that read it again (metrics). */
  get inputs(): ConsentInputCounts | undefined {
    return this.source.inputs;
  }

  /**
   * Reads the current row of `type/id` and decides on it, in one round trip where the source
   * can (PersonConsentSource); undefined where it cannot: read, then `decideAll`.
   */
  async readAndDecide(
    db: Db,
    ctx: DisclosureContext,
    type: SupportedType,
    id: string,
    now: Date = new Date(),
  ): Promise<{ stored?: StoredResource; decision?: Decision } | undefined> {
    if (!this.source.readWithConsents) return undefined;
    const { stored, consents } = await this.source.readWithConsents(db, ctx.agency, type, id);
    if (!stored) return {};
    const facts = factsOf(stored);
    if (facts.otherPatientIds || mayBeDocumentContent(ctx, facts))
      return { stored, decision: await this.decideOne(db, ctx, facts, now) };
    const needed = !decisionWithoutConsents(ctx, facts);
    const read =
      consents ??
      (needed && facts.patientId !== null
        ? await this.source.consentsFor(db, facts.patientId) // not reached with PersonConsentSource
        : NO_CONSENTS(facts.patientId));
    return { stored, decision: decide(ctx, facts, read, this.policy, now) };
  }

  async decideOne(
    db: Db,
    ctx: DisclosureContext,
    facts: ResourceFacts,
    now: Date = new Date(),
  ): Promise<Decision> {
    const [decision] = await this.decideAll(db, ctx, [facts], now);
    return decision;
  }
}

/** The facts as each patient's compartment sees them: one per patient, the patient of record first. */
function eachPatient(facts: ResourceFacts): ResourceFacts[] {
  const { otherPatientIds, ...one } = facts;
  if (!otherPatientIds || otherPatientIds.length === 0) return [one];
  return [one, ...otherPatientIds.map((patientId) => ({ ...one, patientId }))];
}

/** Permit only if every decision permits: the first refusal, else a permit (break-glass if any was). */
function allOf(decisions: readonly Decision[]): Decision {
  const refused = decisions.find((d) => !d.permit);
  if (refused || decisions.length === 1) return refused ?? decisions[0];
  return {
    permit: true,
    breakGlass: decisions.some((d) => d.permit && d.breakGlass),
    basis: decisions[0].basis,
  };
}

/** Only reached for facts decided without consents (own data, directory, no purpose). */
const NO_CONSENTS = (patientId: string | null): PatientConsents => ({
  patientIds: patientId === null ? [] : [patientId],
  consents: [],
  careAgencies: [],
});
