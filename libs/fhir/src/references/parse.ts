import { ID_PATTERN } from '../resource-types';

/**
 * What a `Reference.reference` string names. FHIR allows, and Passerelle meets:
 *
 * - `literal`: `Type/id`, optionally `/_history/version`, relative or absolute (`base` is what
 *   precedes `Type/id`: a server's FHIR base);
 * - `contained`: `#id`, a resource contained in the referring one;
 * - `urn`: `urn:uuid:…` or `urn:oid:…`, an entry of the Bundle it came in;
 * - `conditional`: `Type?search`, resolved by the receiving server (transactions);
 * - `other`: anything else (an absolute URL that is not `Type/id`, a malformed string).
 */
export type ParsedReference =
  | { kind: 'literal'; type: string; id: string; version?: string; base?: string }
  | { kind: 'contained'; id: string }
  | { kind: 'urn'; urn: string }
  | { kind: 'conditional'; type: string; query: string }
  | { kind: 'other' };

/** A resource type: `Patient`, `DocumentReference` (the shape, not whether Passerelle stores it). */
const TYPE = '[A-Z][A-Za-z]+';
/** The id pattern without its anchors. */
const ID = ID_PATTERN.source.replace(/^\^|\$$/g, '');
const LITERAL = new RegExp(`^(?:(.+)/)?(${TYPE})/(${ID})(?:/_history/(${ID}))?$`);
const CONDITIONAL = new RegExp(`^(${TYPE})\\?(.+)$`);
/** A URI scheme (`https:`, `urn:`): an absolute reference. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

export function parseReference(reference: string): ParsedReference {
  if (reference.startsWith('#')) return { kind: 'contained', id: reference.slice(1) };
  if (reference.startsWith('urn:')) return { kind: 'urn', urn: reference };
  const conditional = CONDITIONAL.exec(reference);
  if (conditional) return { kind: 'conditional', type: conditional[1], query: conditional[2] };
  const literal = LITERAL.exec(reference);
  if (!literal) return { kind: 'other' };
  const [, base, type, id, version] = literal;
  return {
    kind: 'literal',
    type,
    id,
    ...(version !== undefined ? { version } : {}),
    ...(base !== undefined ? { base } : {}),
  };
}

/** Whether a reference is absolute (has a URI scheme: `https:`, `urn:` …). */
export function isAbsoluteReference(reference: string): boolean {
  return SCHEME.test(reference);
}

/** A literal target on a server: its type, id and, for a versioned reference, the version. */
export interface LiteralTarget {
  type: string;
  id: string;
  version?: string;
}

const trimSlashes = (base: string) => base.replace(/\/+$/, '');

/**
 * The target of a literal reference to the server whose FHIR base is one of `bases`: a relative
 * `Type/id` (`/_history/n` allowed), or absolute under one of the bases (trailing slashes of a
 * base do not matter). Undefined for anything else: contained, URN, conditional, another
 * server's URL, a malformed string.
 */
export function localTarget(
  reference: string,
  bases: string | readonly string[] = [],
): LiteralTarget | undefined {
  const parsed = parseReference(reference);
  if (parsed.kind !== 'literal') return undefined;
  if (parsed.base !== undefined) {
    const list = typeof bases === 'string' ? [bases] : bases;
    if (!list.some((b) => trimSlashes(b) === parsed.base)) return undefined;
  }
  return {
    type: parsed.type,
    id: parsed.id,
    ...(parsed.version !== undefined ? { version: parsed.version } : {}),
  };
}

/** A relative, unversioned `Type/id` and nothing else: how Passerelle's own stored references read. */
export function relativeTarget(reference: string): { type: string; id: string } | undefined {
  const parsed = parseReference(reference);
  return parsed.kind === 'literal' && parsed.base === undefined && parsed.version === undefined
    ? { type: parsed.type, id: parsed.id }
    : undefined;
}

/** The id of a relative `Type/id` reference to a resource of `type` (`Organization/o1` → `o1`), else undefined. */
export function idOfReference(reference: string | undefined, type: string): string | undefined {
  if (reference === undefined) return undefined;
  const target = relativeTarget(reference);
  return target?.type === type ? target.id : undefined;
}
