import type { EnvReader } from '@passerelle/config';

/**
 * How the agency's deletions are found (`DELETIONS_DETECT`):
 * - `history`: the type's history since the last look (`GET {type}/_history?_since=`), whose
 *   DELETE entries name what was deleted (HAPI, Medplum's server, the sandbox);
 * - `reconcile`: every DELETIONS_RECONCILE_INTERVAL_MS, the type's current ids compared with
 *   the last inventory (for servers without type history; `history` falls back to it by itself
 *   for a type whose history the server refuses);
 * - `off`: deletions at the agency stay at the hub and its recipients.
 */
export const DELETION_DETECTIONS = ['history', 'reconcile', 'off'] as const;
export type DeletionDetection = (typeof DELETION_DETECTIONS)[number];

/**
 * What the agency does with a record another agency withdrew (`DELETIONS_APPLY`), by its own
 * practice: `entered-in-error` keeps the copy and marks it (the status element each type has for
 * it; a type without one is deleted), `delete` removes the copy. The same choice applies to a
 * record received with status `entered-in-error`: kept as received, or deleted.
 */
export const DELETION_APPLICATIONS = ['entered-in-error', 'delete'] as const;
export type DeletionApplication = (typeof DELETION_APPLICATIONS)[number];

export interface DeletionSettings {
  detect: DeletionDetection;
  apply: DeletionApplication;
  /** How often a type is reconciled, when it is (`reconcile`, or history refused). */
  reconcileIntervalMs: number;
}

export function readDeletionSettings(r: EnvReader): DeletionSettings {
  return {
    detect: r.oneOf('DELETIONS_DETECT', DELETION_DETECTIONS, 'history'),
    apply: r.oneOf('DELETIONS_APPLY', DELETION_APPLICATIONS, 'entered-in-error'),
    reconcileIntervalMs: r.int('DELETIONS_RECONCILE_INTERVAL_MS', 3_600_000, 50, 7 * 24 * 3600 * 1000),
  };
}
