import type { StoredResource } from './types';
import { type Db, ROW_COLUMNS, type ResourceRow, toStored } from './sql/resource-sql';

/**
 * The content of a shared document: a `Binary` whose `securityContext` names a DocumentReference
 * of the same sender, live, one of whose `content.attachment.url` points back at the Binary
 * (`Binary/{id}`, or an absolute URL ending so). Both sides must agree: a Binary cannot borrow the
 * disclosure of a document that does not cite it, nor a document claim another sender's Binary.
 */
const DOCUMENT_OF_BINARY = `
  SELECT b.id AS binary_id, ${ROW_COLUMNS}
    FROM resource b
    JOIN resource r
      ON r.resource_type = 'DocumentReference'
     AND r.id = substring(b.content->'securityContext'->>'reference' from '^DocumentReference/([A-Za-z0-9.-]{1,64})$')
     AND r.source_agency IS NOT DISTINCT FROM b.source_agency
     AND NOT r.deleted
   WHERE b.resource_type = 'Binary' AND b.id = ANY($1::text[]) AND NOT b.deleted
     AND EXISTS (
       SELECT 1 FROM jsonb_array_elements(COALESCE(r.content->'content', '[]'::jsonb)) c
        WHERE c->'attachment'->>'url' = 'Binary/' || b.id
           OR right(c->'attachment'->>'url', length(b.id) + 8) = '/Binary/' || b.id)`;

/**
 * The DocumentReference each Binary is the content of (its current row), keyed by Binary id;
 * Binaries tied to no such document are left out. One statement.
 */
export async function documentsOfBinaries(
  db: Db,
  binaryIds: readonly string[],
): Promise<Map<string, StoredResource>> {
  const out = new Map<string, StoredResource>();
  if (binaryIds.length === 0) return out;
  const rows: (ResourceRow & { binary_id: string })[] = await db.query(DOCUMENT_OF_BINARY, [
    [...new Set(binaryIds)],
  ]);
  for (const row of rows) out.set(row.binary_id, toStored(row));
  return out;
}
