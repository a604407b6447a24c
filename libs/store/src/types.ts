import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import type { SupportedType } from '@passerelle/fhir';
import type { Db } from './sql/resource-sql';

/**
 * Who is acting. Every store call takes one, so forgetting the agency is a compile error.
 * `agency` is the authenticated agency's id (the identity lib fills it from the access token).
 */
export interface Actor {
  readonly agency: string;
  readonly requestId: string;
  /** What the agency's verified access token says besides its id, when it acts through the API. */
  readonly access?: ActorAccess;
}

/**
 * The rest of an access token that a write needs: the hub decides with it which resources the
 * writer's references may name (as it decides what the agency may read). Absent: the actor has
 * no purpose of use, so only its own data and directory data resolve.
 */
export interface ActorAccess {
  /** The kind the agency was registered with (hospital, gp, specialist). */
  readonly agencyKind: string;
  /** v3 ActReason, e.g. TREAT. */
  readonly purposeOfUse?: string;
}

/** One stored version. `json` is the resource exactly as stored (meta included), ready to send. */
export interface StoredResource {
  type: SupportedType;
  id: string;
  versionId: number;
  lastUpdated: Date;
  deleted: boolean;
  json: string | null;
  /** The agency that sent this version (provenance); `hub` for what the hub wrote itself. */
  sourceAgency: string | null;
  /** The Patient record whose compartment holds it (its patient of record); null for directory data. */
  patientId: string | null;
  /**
   * The other Patient records whose compartments hold it (a Group's members, an Appointment's
   * other patient ...), by the official Patient CompartmentDefinition; usually empty.
   */
  otherPatientIds: string[];
  /** meta.security as `system|code`. */
  security: string[];
  /** The clinical date range the search index holds (epoch ms; ±Infinity for open ends). */
  dataPeriod?: { lo: number; hi: number };
}

export interface WriteResult {
  stored: StoredResource;
  /** 201 for a creation, 200 for an update or for a no-op (same content, or an existing match). */
  status: 200 | 201;
  /** False when nothing was written (identical content, or If-None-Exist matched). */
  changed: boolean;
}

/**
 * Runs inside the writing transaction once its versions are written, with what changed (never
 * called when nothing did): a write's audit records go there, so that the write and its record
 * commit together or not at all. A throw rolls the write back.
 */
export type WrittenHook = (db: Db, written: readonly WriteResult[]) => Promise<void>;

export interface SearchEntry {
  stored: StoredResource;
  mode: 'match' | 'include';
}

export interface SearchPage {
  entries: SearchEntry[];
  total?: number;
  nextPageToken?: string;
  /** Examined and withheld by the visibility check (for the audit trail, never for the caller). */
  hidden: StoredResource[];
}

export interface HistoryEntry {
  stored: StoredResource;
  method: 'create' | 'update' | 'delete';
}

export interface HistoryPage {
  entries: HistoryEntry[];
  nextPageToken?: string;
  /** Versions withheld by the visibility check. */
  hidden: StoredResource[];
}

/** Checks a resource's content; the store calls it on every write. */
export interface ResourceValidator {
  validate(resource: unknown): OperationOutcomeIssue[];
}

export function parseStored<T extends Resource = Resource>(stored: StoredResource): T {
  if (stored.json === null) throw new Error('A deleted version has no content');
  return JSON.parse(stored.json) as T;
}
