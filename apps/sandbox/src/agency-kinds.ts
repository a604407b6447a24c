/** The three kinds of agency the sandbox simulates, as `CONNECTOR_KIND` names them. */
export const AGENCY_KINDS = ['hospital', 'gp', 'specialist'] as const;
export type AgencyKind = (typeof AGENCY_KINDS)[number];

/** Resource types every agency's record holds: the person and the directory it refers to. */
const DIRECTORY = ['Patient', 'Organization', 'Practitioner'] as const;

/**
 * What each kind of agency keeps in its own system, after the connectors' publish profiles: the
 * hospital its stays, documents and results; the GP practice the longitudinal record; the
 * specialist clinic its consultations, their reports and the referrals it writes.
 */
export const AGENCY_RECORD_TYPES: Readonly<Record<AgencyKind, readonly string[]>> = {
  hospital: [...DIRECTORY, 'Encounter', 'DocumentReference', 'DiagnosticReport', 'Observation', 'Procedure'],
  gp: [
    ...DIRECTORY,
    'Condition',
    'MedicationRequest',
    'MedicationStatement',
    'AllergyIntolerance',
    'Immunization',
  ],
  specialist: [...DIRECTORY, 'Encounter', 'DocumentReference', 'ServiceRequest'],
};

/**
 * Which patients of the synthetic population an agency knows: the GP practice is everyone's GP
 * of record; the hospital has seen two in three (indexes 0, 1, 3, 4 ...); the specialist one in
 * three (0, 3, 6 ...). Patient 0 is known everywhere, which tests use.
 */
export function knowsPatient(kind: AgencyKind, index: number): boolean {
  switch (kind) {
    case 'gp':
      return true;
    case 'hospital':
      return index % 3 !== 2;
    case 'specialist':
      return index % 3 === 0;
  }
}
