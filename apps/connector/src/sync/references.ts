import type { FhirResource, Identifier, Meta, Resource } from 'fhir/r4';
import {
  canonicalJson,
  isAbsoluteReference,
  localTarget as localTargetOn,
  parseReference,
  type ReferenceSite,
  referenceSites,
  removeSites,
} from '@passerelle/fhir';

/**
 * Identifiers and references between an agency's server and the hub. Ids never travel: each side
 * has its own, so a resource is named by its first identifier (`system|value`), and a reference
 * becomes a conditional reference `Type?identifier=system|value` that the receiving server
 * resolves to its own id. A reference that cannot be named that way keeps only its display.
 */

export interface IdentifierKey {
  system: string;
  value: string;
}

/** All of a resource's identifiers (`identifier`, single or repeated, then `masterIdentifier`). */
export function identifiersOf(resource: Resource | FhirResource): Identifier[] {
  const record = resource as { identifier?: Identifier | Identifier[]; masterIdentifier?: Identifier };
  return [
    ...(Array.isArray(record.identifier) ? record.identifier : record.identifier ? [record.identifier] : []),
    ...(record.masterIdentifier ? [record.masterIdentifier] : []),
  ];
}

const complete = (i: Identifier): i is Identifier & IdentifierKey =>
  typeof i.system === 'string' && i.system !== '' && typeof i.value === 'string' && i.value !== '';

/** The key among identifiers: the first with both a system and a value. */
export function keyOf(identifiers: readonly Identifier[]): IdentifierKey | undefined {
  const found = identifiers.find(complete);
  return found ? { system: found.system, value: found.value } : undefined;
}

/** The identifier a resource is keyed by: its first identifier with both a system and a value. */
export function identifierKey(resource: Resource | FhirResource): IdentifierKey | undefined {
  return keyOf(identifiersOf(resource));
}

/**
 * The identifier a logical reference carries: the official one (a national registry's FINESS,
 * ODS, RPPS ... that other agencies and the hub's directory know), else the key.
 */
export function logicalIdentifier(identifiers: readonly Identifier[]): IdentifierKey | undefined {
  const official = identifiers.find((i) => i.use === 'official' && complete(i));
  return official ? { system: official.system!, value: official.value! } : keyOf(identifiers);
}

/** FHIR search escaping: `\`, `|`, `,` and `$` are literal when preceded by `\`. */
function escapeToken(part: string): string {
  return part.replace(/[\\|,$]/g, (c) => `\\${c}`);
}

function unescapeToken(part: string): string {
  return part.replace(/\\([\\|,$])/g, '$1');
}

/** The `identifier` search value for a key: `system|value`, escaped. */
export function identifierToken(key: IdentifierKey): string {
  return `${escapeToken(key.system)}|${escapeToken(key.value)}`;
}

/** `Type?identifier=system|value`, URL-encoded so any server parses it back exactly. */
export function conditionalReference(type: string, key: IdentifierKey): string {
  return `${type}?identifier=${encodeURIComponent(identifierToken(key))}`;
}

/** `Type?identifier=system|value` (encoded or not) → its type and key; anything else → undefined. */
export function parseConditionalReference(
  reference: string,
): { type: string; key: IdentifierKey } | undefined {
  const parsed = parseReference(reference);
  if (parsed.kind !== 'conditional') return undefined;
  // Encoded `+` is data; a bare `+` in a query would mean a space, which no identifier system holds.
  const params = new URLSearchParams(parsed.query.replace(/\+/g, '%2B'));
  const tokens = params.getAll('identifier');
  if (tokens.length !== 1 || [...params.keys()].length !== 1) return undefined;
  const parts = tokens[0].split(/(?<!\\)\|/);
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') return undefined;
  return { type: parsed.type, key: { system: unescapeToken(parts[0]), value: unescapeToken(parts[1]) } };
}

/** A reference to a resource on the server at `baseUrl`: `Type/id`, `Type/id/_history/n`, or absolute on that base. */
export function localTarget(reference: string, baseUrl: string): { type: string; id: string } | undefined {
  const target = localTargetOn(reference, baseUrl);
  return target ? { type: target.type, id: target.id } : undefined;
}

type Decision = { reference: string } | { logical: IdentifierKey; type: string } | 'keep' | 'display-only';

/**
 * Applies a decision to every reference of a copy of `resource`. A display-only reference loses
 * its `reference`; if nothing is left (no display, identifier or extension) the element goes.
 * Returns the copy and how many references were reduced to their display.
 */
async function rewrite(
  resource: Resource,
  decide: (reference: string) => Decision | Promise<Decision>,
): Promise<{ resource: Resource; displayOnly: number }> {
  const copy = structuredClone(resource);
  let displayOnly = 0;
  const emptied: ReferenceSite[] = [];
  for (const site of referenceSites(copy)) {
    const decision = await decide(site.element.reference);
    const element: Record<string, unknown> = site.element;
    if (decision === 'keep') continue;
    if (decision !== 'display-only' && 'reference' in decision) {
      element.reference = decision.reference;
      continue;
    }
    if (decision !== 'display-only') {
      // A logical reference: the target named by its identifier, for whoever knows it.
      delete element.reference;
      element.identifier = { system: decision.logical.system, value: decision.logical.value };
      element.type = decision.type;
      continue;
    }
    displayOnly++;
    delete element.reference;
    delete element.type;
    if (Object.keys(element).length === 0) emptied.push(site);
  }
  removeSites(copy, emptied);
  return { resource: copy, displayOnly };
}

/** Keeps only meta a client controls and that means something elsewhere: labels, tags, profiles. */
export function portableMeta(meta: Meta | undefined, keepSource = false): Meta | undefined {
  if (!meta) return undefined;
  const out: Meta = {};
  if (meta.security?.length) out.security = meta.security;
  if (meta.tag?.length) out.tag = meta.tag;
  if (meta.profile?.length) out.profile = meta.profile;
  if (keepSource && meta.source) out.source = meta.source;
  return Object.keys(out).length > 0 ? out : undefined;
}

function withoutIdAndMeta(resource: Resource, keepSource: boolean): Resource {
  const { id: _id, meta, ...rest } = resource;
  const portable = portableMeta(meta, keepSource);
  return portable ? { ...rest, meta: portable } : rest;
}

/**
 * A local resource made ready for the hub: no local id or server meta, and each reference to a
 * local resource rewritten by the target's identifiers (`identifiersOf` answers from a
 * prefetched map). A target of a published type becomes a conditional reference by its key,
 * which the hub resolves to the version this agency pushed. A target the hub will not hold
 * (Organization, Practitioner ...) becomes a logical reference by its official identifier: the
 * hub would refuse a conditional reference that matches nothing, and routing finds a patient's
 * GP or a referral's performer by such identifiers. A target without identifier keeps only the
 * display.
 */
export function rewriteForPush(
  resource: Resource,
  options: {
    baseUrl: string;
    published: ReadonlySet<string>;
    identifiersOf: (type: string, id: string) => readonly Identifier[] | undefined;
  },
): Promise<{ resource: Resource; displayOnly: number }> {
  return rewrite(withoutIdAndMeta(resource, false), (reference) => {
    if (reference.startsWith('#')) return 'keep';
    if (parseConditionalReference(reference)) return 'keep';
    if (reference.startsWith('urn:')) return 'display-only';
    const target = localTarget(reference, options.baseUrl);
    if (!target) return isAbsoluteReference(reference) ? 'keep' : 'display-only';
    const identifiers = options.identifiersOf(target.type, target.id) ?? [];
    if (options.published.has(target.type)) {
      const key = keyOf(identifiers);
      return key ? { reference: conditionalReference(target.type, key) } : 'display-only';
    }
    const logical = logicalIdentifier(identifiers);
    return logical ? { logical, type: target.type } : 'display-only';
  });
}

/**
 * A feed item made ready for the local server: the hub's id and version dropped (meta.source,
 * the origin agency, kept), each conditional reference resolved by `resolve` to a local
 * `Type/id` (undefined when none or several match → display only), and the hub's own plain
 * references (hub ids mean nothing here) reduced to their display.
 */
export function resolveForApply(
  resource: Resource,
  resolve: (type: string, key: IdentifierKey) => Promise<string | undefined>,
): Promise<{ resource: Resource; displayOnly: number }> {
  return rewrite(withoutIdAndMeta(resource, true), async (reference) => {
    if (reference.startsWith('#')) return 'keep';
    const conditional = parseConditionalReference(reference);
    if (conditional) {
      const local = await resolve(conditional.type, conditional.key);
      return local ? { reference: local } : 'display-only';
    }
    return /^https?:/i.test(reference) ? 'keep' : 'display-only';
  });
}

/** The targets of a feed item's conditional references (`Type?identifier=...`), one per reference. */
export function conditionalTargets(resource: Resource): { type: string; key: IdentifierKey }[] {
  return referenceSites(resource).flatMap((site) => parseConditionalReference(site.element.reference) ?? []);
}

/** Content equality as a server sees it: id and server meta aside. */
export function sameContent<T extends Resource>(a: T, b: T): boolean {
  return canonicalJson(withoutIdAndMeta(a, false)) === canonicalJson(withoutIdAndMeta(b, false));
}
