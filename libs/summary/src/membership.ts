import type {
  AllergyIntolerance,
  CodeableConcept,
  Condition,
  DiagnosticReport,
  Encounter,
  Immunization,
  MedicationRequest,
  MedicationStatement,
  Observation,
  Procedure,
  Resource,
} from 'fhir/r4';
import type { SummarySectionKey } from './sections';

/** Which resource types can fill each section. */
export const SECTION_TYPES = {
  allergies: ['AllergyIntolerance'],
  problems: ['Condition'],
  medications: ['MedicationStatement', 'MedicationRequest'],
  immunizations: ['Immunization'],
  procedures: ['Procedure'],
  results: ['Observation', 'DiagnosticReport'],
  encounters: ['Encounter'],
} as const satisfies Record<SummarySectionKey, readonly Resource['resourceType'][]>;

export type SummaryResourceType = (typeof SECTION_TYPES)[SummarySectionKey][number];

/** Every type a summary reads: callers fetch only these. */
export const SUMMARY_RESOURCE_TYPES: readonly SummaryResourceType[] = Object.values(SECTION_TYPES).flat();

/** How much of the long sections a summary keeps, and what "recent" means for medications. */
export interface SummaryLimits {
  /** Most recent results (laboratory Observations and DiagnosticReports together). Default 20. */
  results: number;
  /** Most recent encounters. Default 10. */
  encounters: number;
  /** Medications no longer active are kept when dated within this many months. Default 12. */
  recentMonths: number;
}

export const DEFAULT_LIMITS: SummaryLimits = { results: 20, encounters: 10, recentMonths: 12 };

const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CONDITION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/condition-category';
const PROBLEM_CATEGORIES: ReadonlySet<string> = new Set(['problem-list-item', 'encounter-diagnosis']);

const hasCode = (concept: CodeableConcept | undefined, code: string) =>
  concept?.coding?.some((c) => c.code === code) === true;

/** Epoch ms of a FHIR date or dateTime (partial dates count from their start); NaN when absent. */
export function epochOf(value: string | undefined): number {
  if (value === undefined) return NaN;
  // "2024" and "2024-05" are valid FHIR dates that Date.parse reads as UTC starts only when padded.
  const padded = /^\d{4}$/.test(value)
    ? `${value}-01-01`
    : /^\d{4}-\d{2}$/.test(value)
      ? `${value}-01`
      : value;
  return Date.parse(padded);
}

/**
 * The date a clinician would sort by: when it happened or was recorded, as FHIR puts it for each
 * type; `meta.lastUpdated` (when the hub got it) only when the resource says nothing.
 */
export function clinicalDate(resource: Resource): string | undefined {
  const own = ((): string | undefined => {
    switch (resource.resourceType) {
      case 'AllergyIntolerance': {
        const r = resource as AllergyIntolerance;
        return r.recordedDate ?? r.onsetDateTime ?? r.onsetPeriod?.start ?? r.lastOccurrence;
      }
      case 'Condition': {
        const r = resource as Condition;
        return r.recordedDate ?? r.onsetDateTime ?? r.onsetPeriod?.start;
      }
      case 'MedicationStatement': {
        const r = resource as MedicationStatement;
        return r.effectiveDateTime ?? r.effectivePeriod?.end ?? r.effectivePeriod?.start ?? r.dateAsserted;
      }
      case 'MedicationRequest':
        return (resource as MedicationRequest).authoredOn;
      case 'Immunization':
        return (resource as Immunization).occurrenceDateTime ?? (resource as Immunization).recorded;
      case 'Procedure': {
        const r = resource as Procedure;
        return r.performedDateTime ?? r.performedPeriod?.start ?? r.performedPeriod?.end;
      }
      case 'Observation': {
        const r = resource as Observation;
        return r.effectiveDateTime ?? r.effectiveInstant ?? r.effectivePeriod?.start ?? r.issued;
      }
      case 'DiagnosticReport': {
        const r = resource as DiagnosticReport;
        return r.effectiveDateTime ?? r.effectivePeriod?.start ?? r.issued;
      }
      case 'Encounter':
        return (resource as Encounter).period?.start ?? (resource as Encounter).period?.end;
      default:
        return undefined;
    }
  })();
  return own !== undefined && !Number.isNaN(epochOf(own)) ? own : resource.meta?.lastUpdated;
}

function isRecent(resource: Resource, now: Date, months: number): boolean {
  const at = epochOf(clinicalDate(resource));
  if (Number.isNaN(at)) return false;
  const since = new Date(now.getTime());
  since.setUTCMonth(since.getUTCMonth() - months);
  return at >= since.getTime();
}

/**
 * The section a resource belongs to, or undefined when a summary leaves it out: anything entered
 * in error, cancelled or not yet done, medications neither active nor recent, Observations other
 * than laboratory results. A Condition without a category counts as a problem: dropping it would
 * hide a diagnosis because its sender did not classify it.
 */
export function sectionOf(
  resource: Resource,
  now: Date,
  limits: SummaryLimits,
): SummarySectionKey | undefined {
  switch (resource.resourceType) {
    case 'AllergyIntolerance': {
      const r = resource as AllergyIntolerance;
      return hasCode(r.verificationStatus, 'entered-in-error') ? undefined : 'allergies';
    }
    case 'Condition': {
      const r = resource as Condition;
      if (hasCode(r.verificationStatus, 'entered-in-error')) return undefined;
      const codes = (r.category ?? []).flatMap((c) =>
        (c.coding ?? []).filter((k) => k.system === undefined || k.system === CONDITION_CATEGORY),
      );
      const problem = codes.length === 0 || codes.some((k) => PROBLEM_CATEGORIES.has(k.code ?? ''));
      return problem ? 'problems' : undefined;
    }
    case 'MedicationStatement': {
      const r = resource as MedicationStatement;
      switch (r.status) {
        case 'active':
        case 'intended':
        case 'on-hold':
          return 'medications';
        case 'completed':
        case 'stopped':
        case 'unknown':
          return isRecent(r, now, limits.recentMonths) ? 'medications' : undefined;
        case 'entered-in-error':
        case 'not-taken':
          return undefined;
      }
      return undefined;
    }
    case 'MedicationRequest': {
      const r = resource as MedicationRequest;
      switch (r.status) {
        case 'active':
        case 'on-hold':
          return 'medications';
        case 'completed':
        case 'stopped':
        case 'unknown':
          return isRecent(r, now, limits.recentMonths) ? 'medications' : undefined;
        case 'cancelled':
        case 'draft':
        case 'entered-in-error':
          return undefined;
      }
      return undefined;
    }
    case 'Immunization':
      return (resource as Immunization).status === 'entered-in-error' ? undefined : 'immunizations';
    case 'Procedure': {
      const status = (resource as Procedure).status;
      return status === 'entered-in-error' || status === 'not-done' || status === 'preparation'
        ? undefined
        : 'procedures';
    }
    case 'Observation': {
      const r = resource as Observation;
      if (r.status === 'entered-in-error' || r.status === 'cancelled' || r.status === 'registered')
        return undefined;
      const laboratory = (r.category ?? []).some((c) =>
        (c.coding ?? []).some(
          (k) => k.code === 'laboratory' && (k.system === undefined || k.system === OBSERVATION_CATEGORY),
        ),
      );
      return laboratory ? 'results' : undefined;
    }
    case 'DiagnosticReport': {
      const status = (resource as DiagnosticReport).status;
      return status === 'entered-in-error' || status === 'cancelled' || status === 'registered'
        ? undefined
        : 'results';
    }
    case 'Encounter': {
      const status = (resource as Encounter).status;
      return status === 'entered-in-error' || status === 'cancelled' || status === 'planned'
        ? undefined
        : 'encounters';
    }
    default:
      return undefined;
  }
}

interface Keyed<T extends Resource> {
  resource: T;
  /** Epoch ms of the clinical date; undated sorts as the oldest of all. */
  t: number;
}

const keyed = <T extends Resource>(resource: T): Keyed<T> => {
  const t = epochOf(clinicalDate(resource));
  return { resource, t: Number.isNaN(t) ? -Infinity : t };
};

const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

function byKey(a: Keyed<Resource>, b: Keyed<Resource>): number {
  if (a.t !== b.t) return b.t > a.t ? 1 : -1;
  return (
    cmp(a.resource.resourceType, b.resource.resourceType) || cmp(a.resource.id ?? '', b.resource.id ?? '')
  );
}

/** Newest first by clinical date (undated last), then by type and id: the same input, the same order. */
export function compareEntries(a: Resource, b: Resource): number {
  return byKey(keyed(a), keyed(b));
}

/** compareEntries' order, each date read once (a patient may have thousands of results). */
function sorted<T extends Resource>(list: readonly T[]): T[] {
  return list
    .map(keyed)
    .sort(byKey)
    .map((e) => e.resource);
}

/** Each section's members, ordered, the long sections cut to their most recent entries. */
export function assignSections<T extends Resource>(
  resources: readonly T[],
  now: Date,
  limits: SummaryLimits,
): Record<SummarySectionKey, T[]> {
  const sections: Record<SummarySectionKey, T[]> = {
    allergies: [],
    problems: [],
    medications: [],
    immunizations: [],
    procedures: [],
    results: [],
    encounters: [],
  };
  for (const resource of resources) {
    const key = sectionOf(resource, now, limits);
    if (key) sections[key].push(resource);
  }
  for (const key of Object.keys(sections) as SummarySectionKey[]) sections[key] = sorted(sections[key]);
  sections.results = sections.results.slice(0, Math.max(0, limits.results));
  sections.encounters = sections.encounters.slice(0, Math.max(0, limits.encounters));
  return sections;
}
