import { isSupportedType } from '@passerelle/fhir';
import type { Db, FhirRepository, StoredResource } from '@passerelle/store';
import type { ServiceRequest } from 'fhir/r4';
import { referralContext, type ReferralContextField } from './rules';

/** What a referral's performer receives along with it: a resource as it is now, with its outbox row. */
export interface ContextItem {
  stored: StoredResource;
  outboxId: string;
}

/** One referral's context to send: the request, and the elements its rule names. */
export interface ContextWanted {
  request: ServiceRequest;
  fields: readonly ReferralContextField[];
}

/**
 * For each referral of a routing batch, the targets of its rule's context fields (the patient
 * record, what it cites) as they are now, each with the outbox row of that version; a target
 * deleted, unknown, of a type the hub does not store, or without an outbox row (the hub's own
 * writes) is left out. Two statements for the whole batch: the current rows, their outbox rows.
 */
export async function referralContextItems(
  db: Db,
  repo: FhirRepository,
  wanted: readonly ContextWanted[],
): Promise<Map<ContextWanted, ContextItem[]>> {
  const out = new Map<ContextWanted, ContextItem[]>();
  const refs = new Map<ContextWanted, { type: string; id: string }[]>();
  for (const w of wanted) {
    const targets = referralContext(w.request, w.fields).flatMap((ref) => {
      const [type, id] = ref.split('/');
      return isSupportedType(type) ? [{ type, id }] : [];
    });
    if (targets.length > 0) refs.set(w, targets);
  }
  if (refs.size === 0) return out;
  const keys = new Map([...refs.values()].flat().map((t) => [`${t.type}/${t.id}`, t]));
  // Internal: each item read here is decided on for its recipient before it is fed.
  const current = await repo.internal.currentMany([...keys.values()], db);
  const live = [...current.values()].filter((s) => s.json && !s.deleted);
  const rows: { id: string; resource_type: string; resource_id: string; version_id: number }[] =
    live.length === 0
      ? []
      : await db.query(
          `SELECT o.id, o.resource_type, o.resource_id, o.version_id
             FROM sync_outbox o
             JOIN unnest($1::text[], $2::text[], $3::int[]) AS k(resource_type, resource_id, version_id)
               ON o.resource_type = k.resource_type AND o.resource_id = k.resource_id
              AND o.version_id = k.version_id`,
          [live.map((s) => s.type), live.map((s) => s.id), live.map((s) => s.versionId)],
        );
  const outboxIds = new Map(
    rows.map((r) => [`${r.resource_type}/${r.resource_id}/${Number(r.version_id)}`, String(r.id)]),
  );
  for (const [w, targets] of refs)
    out.set(
      w,
      targets.flatMap(({ type, id }) => {
        const stored = current.get(`${type}/${id}`);
        const outboxId = stored && outboxIds.get(`${stored.type}/${stored.id}/${stored.versionId}`);
        return stored?.json && !stored.deleted && outboxId ? [{ stored, outboxId }] : [];
      }),
    );
  return out;
}
