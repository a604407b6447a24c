import type {
  AllergyIntolerance,
  Condition,
  DiagnosticReport,
  DocumentReference,
  Encounter,
  FhirResource,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Organization,
  Patient,
  Practitioner,
  Procedure,
} from 'fhir/r4';

export type Country = 'FR' | 'GB';

/**
 * An agency as the generator sees it: its id, the base of its local identifier systems
 * (`<identifierSystem>/mrn`, `<identifierSystem>/encounter` ...) and its Organization.
 */
export interface AgencyIdentity {
  id: string;
  identifierSystem: string;
  organization: Organization;
}

export interface DefaultAgencies {
  hospital: AgencyIdentity;
  gp: AgencyIdentity;
  specialist: AgencyIdentity;
}

export interface GeneratePatientOptions {
  seed: number;
  /** Position in a population: (seed, index) names one person. Default 0. */
  index?: number;
  /** Default: the country of the agency's address, else 'FR'. */
  country?: Country;
  /** The agency whose system holds this record. Default: the country's default hospital. */
  agency?: AgencyIdentity;
  /** The patient's GP practice. Default: the country's default GP practice. */
  gp?: AgencyIdentity;
  /** Total resources including Patient, Practitioner and Organizations. Default 50. */
  resourcesPerPatient?: number;
}

export type SensitiveTheme = 'PSY' | 'HIV';

/** One resource with the urn:uuid that stands for it inside a create transaction. */
export interface SyntheticEntry {
  fullUrl: string;
  resource: FhirResource;
  /**
   * Directory resources (Organization, Practitioner) are shared by many patients: a create
   * transaction creates them only if none exists yet with that identifier.
   */
  shared: boolean;
}

/**
 * A patient's record at one agency. References between resources are the urn:uuids of
 * `entries`; `toTransactionBundle` rewrites them for the chosen mode. Every resource's first
 * identifier is agency-local (`<agency.identifierSystem>/<kind>`): the key of conditional writes.
 * No resource has an id or a server meta (versionId, lastUpdated).
 */
export interface SyntheticPatient {
  seed: number;
  index: number;
  country: Country;
  agencyId: string;
  /** The sensitive topic of this record, whose resources carry security labels, if any. */
  sensitiveTheme?: SensitiveTheme;
  patient: Patient;
  practitioner: Practitioner;
  organizations: Organization[];
  encounters: Encounter[];
  conditions: Condition[];
  allergies: AllergyIntolerance[];
  medicationRequests: MedicationRequest[];
  medicationStatements: MedicationStatement[];
  immunizations: Immunization[];
  procedures: Procedure[];
  observations: Observation[];
  diagnosticReports: DiagnosticReport[];
  documents: DocumentReference[];
  /** Every resource above, once, in transaction order (referenced resources first). */
  entries: SyntheticEntry[];
}
