/** How a record came to belong to its person (`mpi_link.method`). */
export const LINK_METHODS = ['new', 'national-id', 'demographic', 'admin'] as const;
export type LinkMethod = (typeof LINK_METHODS)[number];

/** Methods that record an operator's decision: automatic re-evaluation never moves them. */
export const OPERATOR_METHODS: readonly LinkMethod[] = ['demographic', 'admin'];

/** Why a candidate was proposed (`mpi_candidate.rule`). */
export const CANDIDATE_RULES = ['demographic', 'national-id', 'linked-record-moved', 'unlink'] as const;
export type CandidateRule = (typeof CANDIDATE_RULES)[number];

export const CANDIDATE_STATUSES = ['pending', 'confirmed', 'rejected'] as const;
export type CandidateStatus = (typeof CANDIDATE_STATUSES)[number];

/** Names of the rules that matched, never the values compared: evidence holds no patient data. */
export interface LinkEvidence {
  rules: string[];
  operator?: string;
  candidateId?: string;
}

/** One record moved (or an operator decision taken) by an admin operation: what the audit trail records. */
export interface LinkChange {
  action: 'confirm' | 'reject' | 'link' | 'unlink';
  /** The Patient resource id (an agency's record on the hub). */
  patientId: string;
  fromPerson: string;
  /** Equals `fromPerson` when the decision moved nothing (a rejection, a pin). */
  toPerson: string;
  operator: string;
  candidateId?: string;
}

/** A person and the Patient records confirmed-linked to it (deleted records included, flagged). */
export interface PersonView {
  id: string;
  patients: { patientId: string; agency: string; method: LinkMethod; active: boolean }[];
}

/**
 * What an operator needs to decide a candidate: the two records to compare (read them through the
 * FHIR API, audited), who sent them, the rule that proposed the pair, and both persons' current
 * members, since confirming moves every record of `patientPerson` into `matchedPerson`.
 */
export interface CandidateView {
  id: string;
  patientId: string;
  patientAgency: string;
  matchedPatientId: string;
  matchedAgency: string;
  rule: CandidateRule;
  evidence: LinkEvidence;
  createdAt: Date;
  patientPerson: PersonView;
  matchedPerson: PersonView;
}

export type MatchGrade = 'certain' | 'probable' | 'possible';

/** One record found by `Patient/$match` (FHIR match-grade extension + search.score). */
export interface MatchResult {
  patientId: string;
  personId: string;
  grade: MatchGrade;
  score: number;
  /** Rules that matched, e.g. ['ins'] or ['family', 'given', 'birth-date', 'gender', 'postal-code']. */
  rules: string[];
}
