import { badRequest } from '../outcomes';
import { tokenKey } from './keys';
import type { SearchParamKind } from './definition-types';

/**
 * The hierarchy modifiers (`:above`, `:below`) and the value-set ones (`:in`, `:not-in`): what
 * the hub answers, and why it refuses the others rather than ignoring them.
 *
 * On uri parameters they are about the uri itself (R4 search.html#uri): `:below` finds the uris
 * that start with the value (`_profile:below=http://example.org/fhir/StructureDefinition/`),
 * `:above` those the value starts with (`url:above=http://example.org/fhir/ValueSet/1/_history/2`
 * finds `.../ValueSet/1` and `.../ValueSet`).
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
  if ((modifier === 'above' || modifier === 'below') && kind === 'reference')
    return `${where}: hierarchies followed through references are not supported; search each level (partof=...)`;
  return undefined;
}
