import type { Resource } from 'fhir/r4';
import { badRequest } from '@passerelle/fhir';

/**
 * Rewrites every `reference` in a resource. `resolve` returns the new value, or undefined to keep
 * the reference as it is; it may throw. The walk is iterative: resources were already checked for
 * depth, but there is no reason to recurse.
 */
export async function rewriteReferences(
  resource: Resource,
  expressionRoot: string,
  resolve: (reference: string, expression: string) => Promise<string | undefined>,
): Promise<void> {
  const stack: { node: unknown; path: string }[] = [{ node: resource, path: expressionRoot }];
  while (stack.length > 0) {
    const { node, path } = stack.pop()!;
    if (Array.isArray(node)) {
      node.forEach((child, i) => stack.push({ node: child, path: `${path}[${i}]` }));
    } else if (typeof node === 'object' && node !== null) {
      const record = node as Record<string, unknown>;
      for (const [key, value] of Object.entries(record)) {
        if (key === 'reference' && typeof value === 'string') {
          const replacement = await resolve(value, `${path}.reference`);
          if (replacement !== undefined) record[key] = replacement;
        } else if (typeof value === 'object' && value !== null) {
          stack.push({ node: value, path: `${path}.${key}` });
        }
      }
    }
  }
}

/**
 * A reference that only means something inside the Bundle it came in. (A `urn:oid:` may be an
 * entry's fullUrl too, and is then rewritten like one; otherwise it names something outside
 * this server, which is left alone.)
 */
export function isBundleLocal(reference: string): boolean {
  return reference.startsWith('urn:uuid:');
}

export function unresolvedReference(expression: string): never {
  throw badRequest('Reference does not resolve to an entry of this Bundle', [expression]);
}

/** Every `reference` string in a resource (each once), to resolve them together before rewriting. */
export function referencesOf(resource: Resource): Set<string> {
  const out = new Set<string>();
  const stack: unknown[] = [resource];
  while (stack.length > 0) {
    const node = stack.pop();
    if (Array.isArray(node)) {
      for (const child of node) stack.push(child);
    } else if (typeof node === 'object' && node !== null) {
      for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
        if (key === 'reference' && typeof value === 'string') out.add(value);
        else if (typeof value === 'object' && value !== null) stack.push(value);
      }
    }
  }
  return out;
}
