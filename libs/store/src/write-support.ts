import type { Resource } from 'fhir/r4';
import {
  badRequest,
  conflict,
  invalidResource,
  methodNotAllowed,
  READ_ONLY_TYPES,
  type SearchQuery,
  type SupportedType,
} from '@passerelle/fhir';
import { QueryFailedError } from 'typeorm';
import type { ResourceValidator } from './types';

/** What the write paths (FhirRepository, BundleProcessor) share besides the repository itself. */

/** One entry of `prepareMany`: a new version of a resource, or its deletion. */
export type PrepareItem =
  | {
      kind: 'write';
      type: SupportedType;
      id: string;
      resource: Resource;
      expectedVersion?: number;
      /** A new id: there is no current row to read. */
      isCreate?: boolean;
      /** Where the resource stands in the request (`Bundle.entry[2].resource`); default its type. */
      expressionRoot?: string;
    }
  | { kind: 'delete'; type: SupportedType; id: string };

/** The advisory lock of conditional criteria: the same key on every path that writes conditionally. */
export function criteriaLockKey(query: SearchQuery): string {
  return `${query.type}?${JSON.stringify(query.filters)}`;
}

/** `W/"3"` or `"3"` → 3. */
export function parseETag(value: string): number {
  const m = /^(?:W\/)?"(\d+)"$/.exec(value.trim());
  if (!m) throw badRequest('If-Match must be an ETag such as W/"3"');
  return Number(m[1]);
}

/** Unique violations and serialisation failures between concurrent writers are conflicts (409). */
export function mapDatabaseError(e: unknown): unknown {
  if (e instanceof QueryFailedError) {
    const code = (e.driverError as { code?: string } | undefined)?.code;
    if (code === '23505' || code === '40001' || code === '40P01') {
      return conflict('A concurrent change to the same resource won; read it again and retry');
    }
  }
  return e;
}

/** Rejects what may never be written: read-only types, a body of another type, invalid content. */
export function checkWritable(
  validator: ResourceValidator,
  type: SupportedType,
  resource: unknown,
  expressionPrefix?: string,
): asserts resource is Resource {
  if (READ_ONLY_TYPES.has(type)) throw methodNotAllowed(`${type} is written by the server only`);
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    throw badRequest(
      'The body must be a FHIR resource (a JSON object)',
      expressionPrefix ? [expressionPrefix] : undefined,
    );
  }
  if ((resource as { resourceType?: unknown }).resourceType !== type) {
    throw badRequest(`resourceType must be ${type}`, [`${expressionPrefix ?? type}.resourceType`]);
  }
  const issues = validator.validate(resource);
  if (issues.length > 0) {
    if (expressionPrefix) {
      for (const issue of issues) {
        issue.expression = issue.expression?.map((e) =>
          `${expressionPrefix}.${e.slice(type.length + 1)}`.replace(/\.$/, ''),
        );
      }
    }
    throw invalidResource(400, issues);
  }
}
