import type { Identifier, Reference, Resource } from 'fhir/r4';

/** `Type/id` of a literal relative reference, or undefined. */
export function literalTarget(ref: Reference): { type: string; id: string } | undefined {
  const m = ref.reference?.match(/^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/);
  return m ? { type: m[1], id: m[2] } : undefined;
}

function isReference(value: unknown): value is Reference {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Reference).reference === 'string'
  );
}

/** Every Reference object inside a resource (contained resources excluded). */
export function referencesIn(resource: Resource): Reference[] {
  const out: Reference[] = [];
  const walk = (value: unknown, depth: number): void => {
    if (depth > 20 || typeof value !== 'object' || value === null) return;
    if (Array.isArray(value)) return value.forEach((v) => walk(v, depth + 1));
    if (isReference(value)) out.push(value);
    for (const [key, v] of Object.entries(value)) if (key !== 'contained') walk(v, depth + 1);
  };
  walk(resource, 0);
  return out;
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
  for (const ref of referencesIn(copy)) {
    const target = literalTarget(ref);
    if (!target) continue;
    const replacement = resolve(target);
    if (replacement) ref.reference = replacement;
    else delete ref.reference;
  }
  return copy;
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
