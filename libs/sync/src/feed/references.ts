import type { Identifier, Reference, Resource } from 'fhir/r4';
import { referenceSites, relativeTarget } from '@passerelle/fhir';

/** `Type/id` of a literal relative reference, or undefined. */
export function literalTarget(ref: Reference): { type: string; id: string } | undefined {
  return ref.reference === undefined ? undefined : relativeTarget(ref.reference);
}

/** Every Reference object inside a resource (contained resources excluded). */
export function referencesIn(resource: Resource): Reference[] {
  return referenceSites(resource, { skipContained: true, maxDepth: 20 }).map(
    (site) => site.element as Reference,
  );
}

/**
 * A copy of `resource` whose literal references are replaced by what `resolve` returns for them:
 * a new reference string (e.g. a conditional `Patient?identifier=s|v`), or undefined to keep only
 * the reference's display.
 */
export function rewriteReferences<T extends Resource>(
  resource: T,
  resolve: (target: { type: string; id: string }) => string | undefined,
): T {
  const copy = structuredClone(resource);
  rewriteInPlace(referencesIn(copy), resolve);
  return copy;
}

/**
 * The same on the Reference objects themselves (from `referencesIn` of a resource the caller
 * owns, e.g. one just parsed for this answer): no copy, no second walk of the resource.
 */
export function rewriteInPlace(
  references: readonly Reference[],
  resolve: (target: { type: string; id: string }) => string | undefined,
): void {
  for (const ref of references) {
    const target = literalTarget(ref);
    if (!target) continue;
    const replacement = resolve(target);
    if (replacement) ref.reference = replacement;
    else delete ref.reference;
  }
}

/** FHIR search escaping of a token part: `\`, `|`, `,` and `$` are preceded by `\`. */
const escapeToken = (part: string) => part.replace(/[\\|,$]/g, '\\$&');

/**
 * `Type?identifier=system|value`, each part escaped then URL-encoded: how a recipient finds the
 * same resource in its own server. Undefined without a system and a value.
 */
export function conditionalReference(type: string, identifier: Identifier | undefined): string | undefined {
  if (!identifier?.system || !identifier.value) return undefined;
  const [system, value] = [identifier.system, identifier.value].map((p) =>
    encodeURIComponent(escapeToken(p)),
  );
  return `${type}?identifier=${system}|${value}`;
}
