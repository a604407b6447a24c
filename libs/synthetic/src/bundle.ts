import type { Bundle, BundleEntry, FhirResource, Identifier } from 'fhir/r4';
import { replaceReferencesSync } from '@passerelle/fhir';
import { copyJson } from './json';
import type { SyntheticEntry, SyntheticPatient } from './types';

export type TransactionMode = 'create' | 'conditional-update';

export interface TransactionOptions {
  /**
   * create mode: POST directory resources (Organization, Practitioner) with `ifNoneExist` on
   * their agency identifier, so that a population shares them instead of duplicating them.
   * Default true.
   */
  conditionalDirectory?: boolean;
}

/**
 * The patient's record as one transaction Bundle.
 * - 'create': POST entries, `fullUrl: urn:uuid:...`, references to those urn:uuids.
 * - 'conditional-update': PUT entries to `Type?identifier=<system>|<value>` and references
 *   written as the same conditional criteria, keyed by each resource's agency-local identifier
 *   (its first one): what a connector pushes, idempotent when pushed again.
 */
export function toTransactionBundle(
  p: SyntheticPatient,
  mode: TransactionMode,
  options: TransactionOptions = {},
): Bundle<FhirResource> {
  // urn:uuid → `Type?identifier=...`, the same criteria the entry itself is written with.
  const conditional = new Map(p.entries.map((e) => [e.fullUrl, conditionalReferenceFor(e.resource)]));
  const entry = p.entries.map((e): BundleEntry<FhirResource> => {
    const resource = serverNeutral(e.resource);
    const search = identifierCriteria(e);
    if (mode === 'conditional-update') {
      replaceReferencesSync(resource, (reference) => conditional.get(reference));
      return { resource, request: { method: 'PUT', url: `${resource.resourceType}?${search}` } };
    }
    const request: BundleEntry['request'] = { method: 'POST', url: resource.resourceType };
    if (e.shared && options.conditionalDirectory !== false) request.ifNoneExist = search;
    return { fullUrl: e.fullUrl, resource, request };
  });
  return { resourceType: 'Bundle', type: 'transaction', entry };
}

/** `identifier=<system>|<value>` of the entry's agency-local identifier. */
export function identifierCriteria(entry: Pick<SyntheticEntry, 'resource'>): string {
  const key = keyIdentifier(entry.resource);
  return `identifier=${searchValue(key.system)}|${searchValue(key.value)}`;
}

/** `Patient?identifier=<system>|<value>`: how a conditional-update Bundle refers to a resource. */
export function conditionalReferenceFor(resource: FhirResource): string {
  return `${resource.resourceType}?${identifierCriteria({ resource })}`;
}

function keyIdentifier(resource: FhirResource): { system: string; value: string } {
  const identifiers: Identifier[] | undefined =
    'identifier' in resource ? normalise(resource.identifier) : undefined;
  const key = identifiers?.[0];
  if (key?.system === undefined || key.value === undefined) {
    throw new Error(`${resource.resourceType} has no identifier to write it conditionally`);
  }
  return { system: key.system, value: key.value };
}

function normalise(identifier: Identifier | Identifier[] | undefined): Identifier[] | undefined {
  if (identifier === undefined) return undefined;
  return Array.isArray(identifier) ? identifier : [identifier];
}

/**
 * A token search value: FHIR escapes `\ | , $` with a backslash; then characters that would
 * break the query string are percent-encoded (`:` and `/` of system URLs stay readable).
 */
function searchValue(text: string): string {
  return encodeURIComponent(text.replace(/[\\|,$]/g, (c) => `\\${c}`))
    .replace(/%3A/gi, ':')
    .replace(/%2F/gi, '/');
}

/** A deep copy without what a server assigns (id, versionId, lastUpdated). */
function serverNeutral(resource: FhirResource): FhirResource {
  const copy = copyJson(resource);
  delete copy.id;
  if (copy.meta !== undefined) {
    delete copy.meta.versionId;
    delete copy.meta.lastUpdated;
    if (Object.keys(copy.meta).length === 0) delete copy.meta;
  }
  return copy;
}
