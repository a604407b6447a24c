import { badRequest } from '../outcomes';
import { relativeTarget } from '../references/parse';
import { isSupportedType, type SupportedType } from '../resource-types';
import { tokenKey } from './keys';
import type { SearchParamKind } from './definition-types';
import { SEARCH_PARAMS, type SearchParamDef } from './parameters';
import { parseReferenceKey } from './values';

/**
 * The hierarchy modifiers (`:above`, `:below`) and the value-set ones (`:in`, `:not-in`): what
 * the hub answers, and why it refuses the others rather than ignoring them.
 *
 * On uri parameters they are about the uri itself (R4 search.html#uri): `:below` finds the uris
 * that start with the value (`_profile:below=http://example.org/fhir/StructureDefinition/`),
 * `:above` those the value starts with (`url:above=http://example.org/fhir/ValueSet/1/_history/2`
 * finds `.../ValueSet/1` and `.../ValueSet`).
 *
 * On reference parameters they follow a hierarchy the target type holds through a reference to
 * its own type (Location.partOf, Organization.partOf): `Encounter?location:below=Location/42`
 * finds Encounters at Location 42 or at any Location within it, `:above` at 42 or any Location
 * it is part of. The store walks the hierarchy through what the caller may see only.
 */

/** Longest uri `:above` accepts: each of its prefixes becomes a key of the search. */
const MAX_ABOVE_LENGTH = 1024;

const unescape = (s: string) => s.replace(/\\([\\|,$])/g, '$1');

/** `:above` on a uri: every prefix of the value, as token keys (exact matches on the index). */
export function uriAboveKeys(name: string, raw: string): string[] {
  const uri = unescape(raw);
  if (uri === '') throw badRequest(`Search parameter ${name}:above has no value`);
  if (uri.length > MAX_ABOVE_LENGTH)
    throw badRequest(`Search parameter ${name}:above: a uri of at most ${MAX_ABOVE_LENGTH} characters`);
  return Array.from({ length: uri.length }, (_, i) => tokenKey(name, undefined, uri.slice(0, i + 1)));
}

/** `:below` on a uri: the start of the token keys of the uris below it. */
export function uriBelowPrefix(name: string, raw: string): string {
  const uri = unescape(raw);
  if (uri === '') throw badRequest(`Search parameter ${name}:below has no value`);
  return tokenKey(name, undefined, uri);
}

/** Why a modifier the hub knows of is refused on this kind of parameter, or undefined. */
export function refusedModifier(name: string, kind: SearchParamKind, modifier: string): string | undefined {
  const where = `Search parameter ${name}:${modifier}`;
  if ((modifier === 'in' || modifier === 'not-in') && kind === 'token')
    return `${where}: the hub holds no ValueSets to expand; search with the codes themselves (code=system|a,system|b)`;
  if ((modifier === 'above' || modifier === 'below') && kind === 'token')
    return `${where}: subsumption needs a terminology server, which the hub does not have; search with the codes themselves`;
  return undefined;
}

/** The reference parameter of `type` that points at its own type (its hierarchy), if any. */
export function hierarchyParam(type: SupportedType): SearchParamDef | undefined {
  return SEARCH_PARAMS[type].find(
    (p) => p.kind === 'reference' && p.targets?.length === 1 && p.targets[0] === type,
  );
}

export interface HierarchyCriterion {
  kind: 'hierarchy';
  /** The reference parameter searched (`location`). */
  param: string;
  /** The hierarchy's type and its parameter (`Location`, `partof`). */
  targetType: SupportedType;
  via: string;
  /** `Type/id` of each value (OR). */
  roots: string[];
  direction: 'above' | 'below';
}

/** `location:below=Location/42`: a hierarchy criterion, or a 400 when the target has no hierarchy. */
export function parseHierarchy(
  def: SearchParamDef,
  direction: 'above' | 'below',
  values: readonly string[],
  bases: readonly string[],
): HierarchyCriterion {
  const where = `Search parameter ${def.name}:${direction}`;
  const roots = values.map((v) => {
    const key = parseReferenceKey(def, undefined, v, bases);
    const target = key.slice(def.name.length + 1);
    if (!relativeTarget(target)) throw badRequest(`${where}: "${v}" must name the resource (Type/id)`);
    return target;
  });
  const types = new Set(roots.map((r) => r.split('/')[0]));
  const [type] = [...types];
  if (types.size !== 1 || !isSupportedType(type))
    throw badRequest(`${where}: every value must be a resource of one type`);
  const via = hierarchyParam(type);
  if (!via) throw badRequest(`${where}: ${type} has no hierarchy (no reference to its own type) to follow`);
  return { kind: 'hierarchy', param: def.name, targetType: type, via: via.name, roots, direction };
}
