import type { Identifier, Resource } from 'fhir/r4';
import { isSupportedType } from '@passerelle/fhir';
import {
  type Db,
  type FhirRepository,
  parseQueryString,
  parseStored,
  type StoredResource,
  versionKey,
} from '@passerelle/store';
import { conditionalReference } from './references';

/** What a feed item becomes when it is read: the resource, or the withdrawal of one. */
export type FeedVersion =
  | { kind: 'live'; stored: StoredResource }
  /** `url`: `Type?identifier=system|value`, how the recipient finds its copy. */
  | { kind: 'tombstone'; stored: StoredResource; url: string };

/** The identifier a resource is keyed by across agencies: its first with a system and a value. */
export function keyIdentifier(resource: Resource): Identifier | undefined {
  const record = resource as { identifier?: Identifier | Identifier[]; masterIdentifier?: Identifier };
  const all = [
    ...(Array.isArray(record.identifier) ? record.identifier : record.identifier ? [record.identifier] : []),
    ...(record.masterIdentifier ? [record.masterIdentifier] : []),
  ];
  return all.find((i) => i.system && i.value);
}

/**
 * Settles the versions of a page of the feed against the hub's state now, so that a recipient
 * applying the page in order ends with what the hub holds, whatever order routing wrote the
 * items in (ranges are routed concurrently):
 *
 * - a version of a resource deleted since is read as its tombstone: nothing resurrects a
 *   deleted record;
 * - a tombstone whose identifier names a live resource the same agency sent since (the record
 *   was deleted, then sent again) is left out: the later record wins;
 * - a tombstone of a resource without an identifier is left out: a recipient could not find it.
 *
 * The versions are asked of consent by the caller (a tombstone by its deletion version, which
 * keeps the patient, labels and dates). Reads: the current rows and the versions before the
 * deletions, one statement each, and one search per tombstone left (deletions are rare).
 */
export async function settleFeedVersions(
  repo: FhirRepository,
  db: Db,
  versions: readonly StoredResource[],
): Promise<FeedVersion[]> {
  // Internal: what is returned is decided on by the caller's scope before anything is disclosed.
  const current = await repo.internal.currentMany(
    versions.map((v) => ({ type: v.type, id: v.id })),
    db,
  );
  const settled = versions.map((v) => {
    const now = current.get(`${v.type}/${v.id}`);
    return !v.deleted && now?.deleted && now.versionId > v.versionId ? now : v;
  });
  const deletions = settled.filter((v) => v.deleted && v.versionId > 1);
  const before = await repo.internal.versions(
    deletions.map((v) => ({ type: v.type, id: v.id, versionId: v.versionId - 1 })),
    db,
  );
  const out: FeedVersion[] = [];
  const seen = new Set<string>();
  for (const stored of settled) {
    if (!stored.deleted) {
      if (stored.json) out.push({ kind: 'live', stored });
      continue;
    }
    const key = `${stored.type}/${stored.id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const last = before.get(versionKey(stored.type, stored.id, stored.versionId - 1));
    const identifier = last?.json ? keyIdentifier(parseStored<Resource>(last)) : undefined;
    const url = conditionalReference(stored.type, identifier);
    if (url === undefined || !isSupportedType(stored.type)) continue;
    if (await sentAgain(repo, db, stored, url)) continue;
    out.push({ kind: 'tombstone', stored, url });
  }
  return out;
}

/** A live resource of the deleted one's type and identifier, from the same agency. */
async function sentAgain(repo: FhirRepository, db: Db, deleted: StoredResource, url: string) {
  if (!deleted.sourceAgency) return false;
  const query = repo.conditionalQuery(
    { agency: deleted.sourceAgency, requestId: 'changes' },
    deleted.type,
    parseQueryString(url.slice(url.indexOf('?') + 1)),
  );
  // Internal: the criteria carry the source agency's provenance; only whether one exists is used.
  const page = await repo.internal.search(
    { ...query, count: 1, includes: [], revIncludes: [], summaryCount: false, skipTotal: true },
    db,
  );
  return page.entries.some((e) => e.mode === 'match' && !e.stored.deleted);
}
