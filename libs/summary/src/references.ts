import { localTarget, referenceSites } from '@passerelle/fhir';

/**
 * A document must be readable on its own: every reference between its resources points at the
 * target's fullUrl, the patient's other records (the same person at another agency) point at the
 * summary's Patient, and a reference to something the document does not carry keeps only its
 * words (display, identifier, type) — never a dangling id.
 */

export interface ReferenceTargets {
  /** `Type/id` → fullUrl of the resources the document carries. */
  fullUrls: ReadonlyMap<string, string>;
  /** Patient ids that are the summary's patient (its own and its linked records). */
  samePerson: ReadonlySet<string>;
  patientFullUrl: string;
  /** The hub's FHIR base: absolute references under it are local. */
  baseUrl?: string;
}

/** `Type/id` of a local literal reference (relative, or absolute under the hub's base). */
export function localKey(reference: string, baseUrl: string | undefined): string | undefined {
  const target = localTarget(reference, baseUrl ?? []);
  return target ? `${target.type}/${target.id}` : undefined;
}

function rewriteReference(ref: Record<string, unknown>, targets: ReferenceTargets): void {
  const value = ref.reference;
  if (typeof value !== 'string' || value.startsWith('#') || value.startsWith('urn:')) return;
  const key = localKey(value, targets.baseUrl);
  if (key === undefined) {
    // Absolute URLs of other servers resolve by themselves.
    if (/^https?:\/\//.test(value)) return;
    delete ref.reference;
  } else {
    const [type, id] = key.split('/');
    const target =
      type === 'Patient' && targets.samePerson.has(id) ? targets.patientFullUrl : targets.fullUrls.get(key);
    if (target !== undefined) {
      ref.reference = target;
      return;
    }
    delete ref.reference;
    if (ref.type === undefined) ref.type = type;
  }
  if (ref.display === undefined && ref.identifier === undefined) ref.display = 'Not included in this summary';
}

/** Rewrites every `reference` in `resource` (a parsed resource, modified in place). */
export function rewriteReferences(resource: object, targets: ReferenceTargets): void {
  for (const site of referenceSites(resource)) rewriteReference(site.element, targets);
}
