import type { Coding, Consent } from 'fhir/r4';
import type { SupportedType } from '@passerelle/fhir';

/** The deployment's base policy: sharing for direct care unless the patient objects, or opt-in only. */
export type ConsentModel = 'implied' | 'explicit';
export type BreakGlassPolicy = 'allowed' | 'forbidden';

export interface ConsentPolicy {
  model: ConsentModel;
  breakGlass: BreakGlassPolicy;
}

export type AgencyKind = 'hospital' | 'gp' | 'specialist';

/** Who asks, and why: from the verified access token. */
export interface DisclosureContext {
  /** Agency id (= its Organization id). */
  agency: string;
  agencyKind: AgencyKind;
  /** v3 ActReason, e.g. TREAT, ETREAT. */
  purposeOfUse?: string;
  practitioner?: string;
  breakGlassReason?: string;
}

/** What the decision needs to know about one stored resource version. */
export interface ResourceFacts {
  type: SupportedType;
  id: string;
  /** The agency that sent this version; `hub` (or null) for what the hub itself wrote. */
  sourceAgency: string | null;
  /** The Patient record whose compartment holds it; null for directory data (Organization, ...). */
  patientId: string | null;
  /**
   * The other Patient records whose compartments hold it (a Group's members, an Appointment's
   * other patient): the decision is made for each patient, and permits only if each one permits.
   * Absent: none.
   */
  otherPatientIds?: readonly string[];
  /** meta.security of the version. */
  securityLabels: readonly Coding[];
  /** The clinical date range of the data (for Consent provision.dataPeriod), epoch ms, [lo, hi). */
  dataPeriod?: { lo: number; hi: number };
}

export type Decision = (
  { permit: true; breakGlass: boolean; basis: DecisionBasis } | { permit: false; basis: DecisionBasis }
) & {
  /** Set when a Binary was decided as the DocumentReference it is the content of (docs/consent.md). */
  contentOf?: ContentOf;
};

/** The shared document a Binary is the content of, and whose data disclosing it discloses. */
export interface ContentOf {
  documentId: string;
  /** The document's patient of record first, then the others of its compartments. */
  patientIds: readonly string[];
}

/** Why, for the audit trail and the tests: never patient data. */
export type DecisionBasis =
  | 'own-data'
  | 'directory'
  | 'sender-only'
  | 'base-implied'
  | 'base-explicit'
  | 'consent-permit'
  | 'consent-deny'
  | 'sensitive-needs-permit'
  | 'no-purpose'
  | 'no-care-relationship'
  | 'break-glass';

/**
 * The privacy consents read for one person: every live Patient record of the person (the record
 * asked about first; consents about any of them count) and the Consent resources found for them.
 * `decide` ignores a Consent whose `patient` is none of `patientIds`. `careAgencies` are read
 * with them, in the same snapshot.
 */
export interface PatientConsents {
  patientIds: readonly string[];
  consents: readonly Consent[];
  /**
   * Agencies with a care relationship with any of `patientIds` (docs/consent.md): every one, or
   * only the asking agency where the source was told who asks (`readWithConsents`); `decide`
   * asks only whether the asking agency is among them.
   */
  careAgencies: readonly string[];
}
