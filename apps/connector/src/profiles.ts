import {
  inPatientCompartment,
  isSupportedType,
  notStoredReason,
  READ_ONLY_TYPES,
  type SupportedType,
} from '@passerelle/fhir';

export const CONNECTOR_KINDS = ['hospital', 'gp', 'specialist'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** What an agency sends to the hub and what it accepts from its feed. */
export interface SyncProfile {
  /** In push order: targets before the resources that reference them. */
  publish: SupportedType[];
  receive: SupportedType[];
}

/**
 * Push order. A transaction Bundle may only reference what the hub already holds or what the
 * same Bundle carries, so each type is pushed after the types its resources point to: Patient
 * first (the MPI links it), Encounter before what happened during it, Observation before the
 * DiagnosticReport that groups results, MedicationRequest before the statements based on it,
 * and documents last since they point at everything.
 */
const PUSH_ORDER: readonly SupportedType[] = [
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Encounter',
  'Condition',
  'Observation',
  'Procedure',
  'DiagnosticReport',
  'MedicationRequest',
  'MedicationStatement',
  'AllergyIntolerance',
  'Immunization',
  'ServiceRequest',
  'CarePlan',
  'DocumentReference',
  'Composition',
];

/**
 * The defaults. A recipient never receives Patient resources: its own Patient record is
 * the one the hub's references point to, and a second copy keyed by another agency's identifier
 * would be a duplicate patient.
 */
export const DEFAULT_PROFILES: Readonly<Record<ConnectorKind, SyncProfile>> = {
  hospital: {
    // Appointments and the medicines a stay ends with: what a patient without an account is
    // sent letters about (docs/mailroom.md); kept at the hub, routed to nobody by default.
    publish: [
      'Patient',
      'Encounter',
      'Observation',
      'Procedure',
      'DiagnosticReport',
      'MedicationRequest',
      'DocumentReference',
      'Composition',
      'Appointment',
    ],
    // The GP's summary of the patient and specialists' reports.
    receive: [
      'Condition',
      'MedicationRequest',
      'MedicationStatement',
      'AllergyIntolerance',
      'Immunization',
      'ServiceRequest',
      'DocumentReference',
      'Composition',
    ],
  },
  gp: {
    publish: [
      'Patient',
      'Condition',
      'MedicationRequest',
      'MedicationStatement',
      'AllergyIntolerance',
      'Immunization',
    ],
    // Discharges, results and procedures from hospitals; consultation reports from specialists.
    receive: [
      'Encounter',
      'Observation',
      'Procedure',
      'DiagnosticReport',
      'DocumentReference',
      'Composition',
    ],
  },
  specialist: {
    publish: ['Patient', 'ServiceRequest', 'DocumentReference', 'Composition', 'Appointment'],
    // Referrals and their context: the GP's summary, the hospital's results.
    receive: [
      'ServiceRequest',
      'Condition',
      'MedicationRequest',
      'MedicationStatement',
      'AllergyIntolerance',
      'Immunization',
      'Observation',
      'DiagnosticReport',
      'DocumentReference',
      'Composition',
    ],
  },
};

/** Where the directory (Practitioner ... Location) ends in PUSH_ORDER. */
const DIRECTORY_END = PUSH_ORDER.indexOf('Location') + 1;

/**
 * A type's place in push order (also the order feed items are applied in). A stored type the
 * order does not name goes with the directory when it is directory data (a Medication, a
 * HealthcareService: what patient data points to), else after every named type.
 */
export function pushRank(type: string): number {
  const at = (PUSH_ORDER as readonly string[]).indexOf(type);
  if (at !== -1) return at;
  return isSupportedType(type) && !inPatientCompartment(type) ? DIRECTORY_END - 0.5 : PUSH_ORDER.length;
}

/** Sorts types into push order; types of the same rank keep their relative place. */
export function inPushOrder(types: readonly SupportedType[]): SupportedType[] {
  return [...new Set(types)].sort((a, b) => pushRank(a) - pushRank(b));
}

/**
 * Parses a comma-separated list of resource types (`none` = empty). Returns the problems found
 * instead of throwing, so the config loader can list them all.
 */
export function parseTypeList(name: string, raw: string): { types: SupportedType[]; problems: string[] } {
  if (raw.trim().toLowerCase() === 'none') return { types: [], problems: [] };
  const types: SupportedType[] = [];
  const problems: string[] = [];
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (notStoredReason(item))
      problems.push(`${name}: the hub does not store ${item} (${notStoredReason(item)})`);
    else if (!isSupportedType(item))
      problems.push(`${name}: "${item}" is not a resource type the hub supports`);
    else if (READ_ONLY_TYPES.has(item)) problems.push(`${name}: ${item} is written by the hub only`);
    else if (!types.includes(item)) types.push(item);
  }
  if (types.length === 0 && problems.length === 0)
    problems.push(`${name} lists no resource type (use "none")`);
  return { types, problems };
}

/** The kind's defaults, each list replaced where the operator gave one. Publish is put in push order. */
export function selectProfile(
  kind: ConnectorKind,
  overrides: { publish?: readonly SupportedType[]; receive?: readonly SupportedType[] } = {},
): SyncProfile {
  const defaults = DEFAULT_PROFILES[kind];
  return {
    publish: inPushOrder(overrides.publish ?? defaults.publish),
    receive: [...new Set(overrides.receive ?? defaults.receive)],
  };
}

/**
 * The hub scopes a connector asks for by default: create, update and delete what it publishes
 * (a deletion at the agency is withdrawn at the hub), read and search what it receives. The hub grants the intersection with what the agency is registered for.
 */
export function defaultScopes(profile: SyncProfile): string {
  const perms = new Map<SupportedType, Set<string>>();
  const add = (type: SupportedType, letters: string) => {
    const set = perms.get(type) ?? new Set<string>();
    for (const l of letters) set.add(l);
    perms.set(type, set);
  };
  profile.publish.forEach((t) => add(t, 'cud'));
  profile.receive.forEach((t) => add(t, 'rs'));
  // A document's content travels with it as a Binary: pushed with it, read with it.
  if (profile.publish.includes('DocumentReference')) add('Binary', 'cu');
  if (profile.receive.includes('DocumentReference')) add('Binary', 'r');
  return [...perms]
    .map(([type, set]) => `system/${type}.${[...'cruds'].filter((l) => set.has(l)).join('')}`)
    .join(' ');
}
