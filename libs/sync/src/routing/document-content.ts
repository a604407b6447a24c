import type { Binary, DocumentReference, Resource } from 'fhir/r4';
import { binaryIdOfUrl, idOfReference } from '@passerelle/fhir';
import type { Db, FhirRepository, StoredResource } from '@passerelle/store';

/** A Binary to feed with its document, and the outbox row of its current version. */
export interface ContentItem {
  stored: StoredResource;
  outboxId: string;
}

/** The Binary ids a document's attachments name on this hub, each once, in attachment order. */
function binaryIds(resource: Resource): string[] {
  if (resource.resourceType !== 'DocumentReference') return [];
  const ids = ((resource as DocumentReference).content ?? []).flatMap((c) => {
    const id = binaryIdOfUrl(c.attachment?.url);
    return id ? [id] : [];
  });
  return [...new Set(ids)];
}

/**
 * A shared document's content travels with it: each Binary one of its attachments names on this
 * hub, sent by the document's sender and naming the document as its `securityContext` (what makes
 * it disclosed as the document is). Current versions, each with its outbox row, for the feed;
 * keyed by the document's stored version (the `document` given). For a whole routing batch in two
 * statements (the Binaries, their outbox rows), however many documents it holds.
 */
export async function documentContentItems(
  db: Db,
  repo: FhirRepository,
  documents: readonly { resource: Resource; document: StoredResource }[],
): Promise<Map<StoredResource, ContentItem[]>> {
  const out = new Map<StoredResource, ContentItem[]>();
  const wanted = documents.flatMap(({ resource, document }) => {
    const ids = binaryIds(resource);
    return ids.length > 0 ? [{ document, ids }] : [];
  });
  if (wanted.length === 0) return out;
  // Internal: each Binary fed is decided on for its recipient (as its document) before it is fed.
  const current = await repo.internal.currentMany(
    [...new Set(wanted.flatMap((w) => w.ids))].map((id) => ({ type: 'Binary', id })),
    db,
  );
  const contents = new Map<StoredResource, StoredResource[]>();
  for (const { document, ids } of wanted) {
    const binaries = ids.flatMap((id) => {
      const b = current.get(`Binary/${id}`);
      return b?.json != null &&
        !b.deleted &&
        b.sourceAgency === document.sourceAgency &&
        idOfReference((JSON.parse(b.json) as Binary).securityContext?.reference, 'DocumentReference') ===
          document.id
        ? [b]
        : [];
    });
    if (binaries.length > 0) contents.set(document, binaries);
  }
  if (contents.size === 0) return out;
  const rows: { id: string; resource_id: string; version_id: number }[] = await db.query(
    `SELECT max(id) AS id, resource_id, version_id FROM sync_outbox
      WHERE resource_type = 'Binary' AND resource_id = ANY($1::text[]) GROUP BY resource_id, version_id`,
    [[...new Set([...contents.values()].flat().map((b) => b.id))]],
  );
  const outboxIds = new Map(rows.map((r) => [`${r.resource_id}/${Number(r.version_id)}`, String(r.id)]));
  for (const [document, binaries] of contents)
    out.set(
      document,
      binaries.flatMap((stored) => {
        const outboxId = outboxIds.get(`${stored.id}/${stored.versionId}`);
        return outboxId ? [{ stored, outboxId }] : [];
      }),
    );
  return out;
}
