import type { Resource } from 'fhir/r4';
import {
  invalidResource,
  isAbsoluteReference,
  normalizeReference,
  referenceExpression,
  referenceSites,
} from '@passerelle/fhir';
import type { OperationOutcomeIssue } from 'fhir/r4';
import type { Db, VersionRow } from '../sql/resource-sql';
import type { Actor, StoredResource } from '../types';

/**
 * A literal reference of a written resource to a resource of this hub, and where it stands.
 * `target` is `Type/id`, or undefined when the reference names nothing a server can hold (a
 * relative reference that is not `Type/id`, say): such a reference can never resolve.
 */
export interface LocalReference {
  target?: string;
  expression: string;
}

/**
 * Which of the targets of a write's references the writer may see, one flag per target in
 * order. The store reads the targets (live current rows, one statement for the whole write,
 * without their content: `json` is null) and asks this; the hub answers with the consent
 * engine's decision for the writer, on the rows' facts.
 */
export type ReferenceCheck = (
  db: Db,
  actor: Actor,
  targets: readonly StoredResource[],
  /** The versions written, whose references these targets are. */
  written: readonly VersionRow[],
) => Promise<readonly boolean[]>;

/**
 * Where a reference string points: `skip` for what the store leaves alone — a contained
 * resource (`#id`), a URN (`urn:uuid`, `urn:oid`: a transaction has already rewritten those of
 * its own entries) and an absolute URL of another server — else the local target, if any.
 */
export function localTarget(
  reference: string,
  localBases: readonly string[],
): { skip: true } | { skip: false; target?: string } {
  if (reference.startsWith('#') || reference.startsWith('urn:')) return { skip: true };
  if (isAbsoluteReference(reference) && !localBases.some((base) => reference.startsWith(`${base}/`)))
    return { skip: true };
  return { skip: false, target: normalizeReference(reference, localBases) };
}

/**
 * Every literal reference of `resource` to this hub, in document order, with its FHIRPath-like
 * expression under `expressionRoot` (`Observation.subject.reference`,
 * `Bundle.entry[2].resource.performer[0].reference`).
 */
export function localReferencesOf(
  resource: Resource,
  expressionRoot: string,
  localBases: readonly string[],
): LocalReference[] {
  const out: LocalReference[] = [];
  for (const site of referenceSites(resource)) {
    const where = localTarget(site.element.reference, localBases);
    if (!where.skip)
      out.push({ target: where.target, expression: referenceExpression(expressionRoot, site) });
  }
  return out;
}

/**
 * The answer for references that do not resolve to something the writer may see: one issue per
 * reference, naming where it stands and never why, so that a missing target and one hidden from
 * the writer get the same status and the same body.
 */
export function unresolvableReferences(expressions: readonly string[]) {
  const issues: OperationOutcomeIssue[] = [...new Set(expressions)].map((expression) => ({
    severity: 'error',
    code: 'processing',
    diagnostics: 'The reference does not resolve to a resource you may refer to',
    expression: [expression],
  }));
  return invalidResource(422, issues);
}
