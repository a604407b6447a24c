import type { Resource } from 'fhir/r4';
import {
  conflict,
  extractSearchValues,
  preconditionFailed,
  type SupportedType,
  toSqlTimestamp,
} from '@passerelle/fhir';
import { sameClientContent, withServerMeta } from './content';
import { type LocalReference, localReferencesOf } from './references/local-references';
import type { VersionRow } from './sql/resource-sql';
import { type Actor, parseStored, type StoredResource, type WriteResult } from './types';

/** A version prepared in memory, written later with others in one statement. */
export interface PendingWrite {
  /** Absent for a no-op: nothing to write. */
  row?: VersionRow;
  result: WriteResult;
  /** The literal references of the new content to this hub, checked before the write commits. */
  references?: readonly LocalReference[];
}

/** The agency whose writes are the hub's own (an agency's Organization record, ...). */
export const HUB_AGENCY = 'hub';

/**
 * An agency changes only what it sent. The answer is the same whether or not the caller may see
 * the resource, so it says no more than that the id is taken.
 */
function assertOwnedBy(current: StoredResource | undefined, actor: Actor): void {
  if (current && actor.agency !== HUB_AGENCY && current.sourceAgency !== actor.agency) {
    throw conflict('This resource id is not available to you');
  }
}

/** Each version of a resource is strictly later than the one before, even within one millisecond. */
function nextTimestamp(current: StoredResource | undefined): Date {
  const now = Date.now();
  return new Date(current && current.lastUpdated.getTime() >= now ? current.lastUpdated.getTime() + 1 : now);
}

/**
 * The next version of a resource after `current` (read under a row lock), with its meta and
 * search index; a no-op when the client's content is unchanged (a retried push makes no version).
 */
export function nextVersion(
  current: StoredResource | undefined,
  actor: Actor,
  type: SupportedType,
  id: string,
  resource: Resource,
  expectedVersion: number | undefined,
  localBases: readonly string[],
  /** Where the resource stands in the request, for the expressions of its errors. */
  expressionRoot: string = type,
): PendingWrite {
  if (
    expectedVersion !== undefined &&
    (!current || current.deleted || current.versionId !== expectedVersion)
  ) {
    throw preconditionFailed(`${type}/${id} is not at version ${expectedVersion}`);
  }
  assertOwnedBy(current, actor);
  const live = current && !current.deleted ? current : undefined;
  if (live && sameClientContent(parseStored(live), resource)) {
    return { result: { stored: live, status: 200, changed: false } };
  }
  const versionId = (current?.versionId ?? 0) + 1;
  const lastUpdated = nextTimestamp(current);
  const content = withServerMeta(resource, id, versionId, lastUpdated, actor.agency);
  const index = extractSearchValues(type, content, localBases);
  const json = JSON.stringify(content);
  const row: VersionRow = {
    type,
    id,
    versionId,
    lastUpdated,
    deleted: false,
    content: json,
    sourceAgency: actor.agency,
    method: live ? 'update' : 'create',
    patientId: index.patientId ?? null,
    otherPatientIds: index.patientIds.slice(1),
    security: (content.meta?.security ?? []).map((c) => `${c.system ?? ''}|${c.code ?? ''}`),
    tokens: index.tokens,
    refs: index.refs,
    dateLo: index.date ? toSqlTimestamp(index.date.lo) : null,
    dateHi: index.date ? toSqlTimestamp(index.date.hi) : null,
    values: index.rows,
  };
  const stored: StoredResource = {
    type,
    id,
    versionId,
    lastUpdated,
    deleted: false,
    json,
    sourceAgency: row.sourceAgency,
    patientId: row.patientId,
    otherPatientIds: row.otherPatientIds,
    security: row.security,
    dataPeriod: index.date,
  };
  return {
    row,
    result: { stored, status: live ? 200 : 201, changed: true },
    references: localReferencesOf(content, expressionRoot, localBases),
  };
}

/** A deletion: it keeps whose the resource was, its labels and dates, for decisions on history. */
export function deletionVersion(current: StoredResource, actor: Actor): PendingWrite {
  assertOwnedBy(current, actor);
  const versionId = current.versionId + 1;
  const lastUpdated = nextTimestamp(current);
  const { patientId, otherPatientIds, security, dataPeriod } = current;
  const row: VersionRow = {
    type: current.type,
    id: current.id,
    versionId,
    lastUpdated,
    deleted: true,
    content: null,
    sourceAgency: actor.agency,
    method: 'delete',
    patientId,
    otherPatientIds,
    security,
    tokens: [],
    refs: [],
    dateLo: dataPeriod ? toSqlTimestamp(dataPeriod.lo) : null,
    dateHi: dataPeriod ? toSqlTimestamp(dataPeriod.hi) : null,
    values: [],
  };
  const stored: StoredResource = {
    ...current,
    versionId,
    lastUpdated,
    deleted: true,
    json: null,
    sourceAgency: actor.agency,
  };
  return { row, result: { stored, status: 200, changed: true } };
}
