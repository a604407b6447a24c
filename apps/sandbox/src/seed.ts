import { referencesOf, referenceSites, removeSites } from '@passerelle/fhir';
import {
  type AgencyIdentity,
  type Country,
  type DefaultAgencies,
  defaultAgencies,
  generatePatient,
  type SyntheticEntry,
  type SyntheticPatient,
  toTransactionBundle,
} from '@passerelle/synthetic';
import { AGENCY_RECORD_TYPES, type AgencyKind, knowsPatient } from './agency-kinds';
import { referral } from './referral';

/** How much synthetic data an agency server starts with. Same options, same data. */
export interface SeedOptions {
  /** Size of the population; each agency holds the patients it knows (see knowsPatient). */
  patients: number;
  /** Default 42. */
  seed?: number;
  /** Default 'FR'. */
  country?: Country;
  /** Passed to the generator before each agency keeps its own kinds of record. Default 50. */
  resourcesPerPatient?: number;
  /** The demo's three agencies (GP of record, referral performer). Default defaultAgencies(country). */
  agencies?: DefaultAgencies;
}

export const DEFAULT_SEED = 42;

/** One patient's record as an agency holds it: generator entries, urn:uuid references. */
export interface AgencyRecord {
  index: number;
  record: SyntheticPatient;
}

const CONSULT_NOTE = '11488-4';

/**
 * The records one agency holds: for each patient it knows, the generator's record at that
 * agency reduced to the agency's kinds of resource, plus (specialist) a referral.
 */
export function agencyRecords(
  kind: AgencyKind,
  agency: AgencyIdentity,
  options: SeedOptions,
): AgencyRecord[] {
  const seed = options.seed ?? DEFAULT_SEED;
  const country = options.country ?? 'FR';
  const agencies = options.agencies ?? defaultAgencies(country);
  const records: AgencyRecord[] = [];
  for (let index = 0; index < options.patients; index++) {
    if (!knowsPatient(kind, index)) continue;
    const record = generatePatient({
      seed,
      index,
      country,
      agency,
      gp: agencies.gp,
      ...(options.resourcesPerPatient !== undefined
        ? { resourcesPerPatient: options.resourcesPerPatient }
        : {}),
    });
    let entries = record.entries.filter((e) => AGENCY_RECORD_TYPES[kind].includes(e.resource.resourceType));
    if (kind === 'specialist') {
      entries = consultationsOnly(entries);
      entries.push(...referral(record, entries, agency, agencies.hospital, seed));
    }
    records.push({ index, record: { ...record, entries: pruneReferences(entries) } });
  }
  return records;
}

/** A record as a batch Bundle of creates (directory resources created only once). */
export function seedBundle(record: AgencyRecord): ReturnType<typeof toTransactionBundle> {
  return { ...toTransactionBundle(record.record, 'create'), type: 'batch' };
}

/** The specialist writes consultation notes; encounters are kept when a note refers to them. */
function consultationsOnly(entries: SyntheticEntry[]): SyntheticEntry[] {
  const notes = entries.filter(
    (e) =>
      e.resource.resourceType === 'DocumentReference' &&
      e.resource.type?.coding?.some((c) => c.code === CONSULT_NOTE) === true,
  );
  const referenced = new Set(notes.flatMap((e) => referencesOf(e.resource)));
  return entries.filter((e) => {
    if (e.resource.resourceType === 'DocumentReference') return notes.includes(e);
    if (e.resource.resourceType === 'Encounter') return referenced.has(e.fullUrl);
    return true;
  });
}

/**
 * Drops references to resources the agency does not keep (a GP's medication request points at
 * a hospital encounter the GP never holds): the display stays when there is one, otherwise the
 * reference goes. No dangling urn:uuid is ever sent to the server.
 */
function pruneReferences(entries: SyntheticEntry[]): SyntheticEntry[] {
  const kept = new Set(entries.map((e) => e.fullUrl));
  return entries.map((e) => {
    const resource = structuredClone(e.resource);
    const dangling = referenceSites(resource).filter(
      (site) => site.element.reference.startsWith('urn:uuid:') && !kept.has(site.element.reference),
    );
    const gone = dangling.filter((site) => {
      const element: Record<string, unknown> = site.element;
      if (typeof element.display !== 'string') return true;
      for (const key of Object.keys(element)) if (key !== 'display') delete element[key];
      return false;
    });
    removeSites(resource, gone, { removeEmptied: true });
    return { ...e, resource };
  });
}
