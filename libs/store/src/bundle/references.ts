import { badRequest } from '@passerelle/fhir';

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
