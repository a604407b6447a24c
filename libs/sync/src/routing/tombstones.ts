import type { Db, FhirRepository, StoredResource } from '@passerelle/store';
import { versionKey } from '@passerelle/store';
import type { Resource } from 'fhir/r4';
import type { OutboxRow } from '../outbox/outbox';

/**
 * A deletion travels as a tombstone: the deletion version of the resource, routed as a change.
 * Whom it goes to is decided by the rules on the resource as it was just before (the last live
 * version: its patient, its type, a referral's performer), like the change that made it; consent
 * is asked on the deletion version itself, which keeps the patient, labels and dates.
 */
export interface RoutedVersion {
  row: OutboxRow;
  /** The version routed: what the feed row names (the deletion version for a tombstone). */
  stored: StoredResource;
  /** The content the rules read: the version itself, or for a tombstone the last live one. */
  resource: Resource;
  tombstone: boolean;
}

/** The rule a tombstone reaches an agency by when only an earlier feed row sent it the resource. */
export const EARLIER_RECIPIENT = 'earlier-recipient';

/**
 * The stored versions of outbox rows, each with the content the rules read: a live version's own,
 * a deletion's from the version before it (a deletion always follows a live version). Rows of
 * types the hub no longer stores, or whose version is gone, are passed over.
 */
export async function routedVersions(
  repo: FhirRepository,
  db: Db,
  rows: readonly OutboxRow[],
  isSupported: (type: string) => boolean,
): Promise<RoutedVersion[]> {
  const kept = rows.filter((r) => isSupported(r.resourceType));
  const keys = kept.flatMap((r) => {
    const own = { type: r.resourceType, id: r.resourceId, versionId: r.versionId };
    return r.deleted && r.versionId > 1 ? [own, { ...own, versionId: r.versionId - 1 }] : [own];
  });
  // Internal: routing asks consent for each recipient itself.
  const versions = await repo.internal.versions(keys, db);
  return kept.flatMap((row): RoutedVersion[] => {
    const stored = versions.get(versionKey(row.resourceType, row.resourceId, row.versionId));
    if (!stored) return [];
    if (!row.deleted) {
      return stored.json && !stored.deleted
        ? [{ row, stored, resource: JSON.parse(stored.json) as Resource, tombstone: false }]
        : [];
    }
    const before = versions.get(versionKey(row.resourceType, row.resourceId, row.versionId - 1));
    return stored.deleted && before?.json && !before.deleted
      ? [{ row, stored, resource: JSON.parse(before.json) as Resource, tombstone: true }]
      : [];
  });
}

/**
 * The agencies whose feeds already hold a version of each deleted resource, keyed `Type/id`: a
 * tombstone reaches them even where the rules no longer would (the patient changed GP, a
 * subscription ended), so that nobody keeps a copy the source has withdrawn. One statement.
 */
export async function earlierRecipients(
  db: Db,
  tombstones: readonly { type: string; id: string }[],
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (tombstones.length === 0) return out;
  const rows: { agency_id: string; resource_type: string; resource_id: string }[] = await db.query(
    `SELECT DISTINCT f.agency_id, f.resource_type, f.resource_id
       FROM sync_feed f
       JOIN unnest($1::text[], $2::text[]) AS t(resource_type, resource_id)
         ON f.resource_type = t.resource_type AND f.resource_id = t.resource_id
      ORDER BY f.agency_id`,
    [tombstones.map((t) => t.type), tombstones.map((t) => t.id)],
  );
  for (const r of rows) {
    const key = `${r.resource_type}/${r.resource_id}`;
    out.set(key, [...(out.get(key) ?? []), r.agency_id]);
  }
  return out;
}
