import type { Binary, DocumentReference, Resource } from 'fhir/r4';
import { binaryIdOfUrl, idOfReference } from '@passerelle/fhir';
import type { Db, FhirRepository, StoredResource } from '@passerelle/store';

/** A Binary to feed with its document, and the outbox row of its current version. */
export interface ContentItem {
  stored: StoredResource;
  outboxId: string;
}

/**
 * A shared document's content travels with it: each Binary one of its attachments names on this
 * hub, sent by the document's sender and naming the document as its `securityContext` (what makes
 * it disclosed as the document is). Current versions, each with its outbox row, for the feed.
 */
export async function documentContentItems(
  db: Db,
  repo: FhirRepository,
  resource: Resource,
  document: StoredResource,
): Promise<ContentItem[]> {
  if (resource.resourceType !== 'DocumentReference') return [];
  const ids = [
    ...new Set(
      ((resource as DocumentReference).content ?? []).flatMap((c) => {
        const id = binaryIdOfUrl(c.attachment?.url);
        return id ? [id] : [];
      }),
    ),
  ];
  if (ids.length === 0) return [];
  // Internal: each Binary fed is decided on for its recipient (as its document) before it is fed.
  const current = await repo.internal.currentMany(
    ids.map((id) => ({ type: 'Binary', id })),
    db,
  );
  const binaries = [...current.values()].filter(
    (b) =>
      b.json !== null &&
      !b.deleted &&
      b.sourceAgency === document.sourceAgency &&
      idOfReference((JSON.parse(b.json) as Binary).securityContext?.reference, 'DocumentReference') ===
        document.id,
  );
  if (binaries.length === 0) return [];
  const rows: { id: string; resource_id: string; version_id: number }[] = await db.query(
    `SELECT max(id) AS id, resource_id, version_id FROM sync_outbox
      WHERE resource_type = 'Binary' AND resource_id = ANY($1::text[]) GROUP BY resource_id, version_id`,
    [binaries.map((b) => b.id)],
  );
  return binaries.flatMap((stored) => {
    const row = rows.find((r) => r.resource_id === stored.id && Number(r.version_id) === stored.versionId);
    return row ? [{ stored, outboxId: String(row.id) }] : [];
  });
}
