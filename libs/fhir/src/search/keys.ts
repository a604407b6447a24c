import { localTarget } from '../references/parse';

/**
 * The keys of the token and reference arrays, all matched by exact string (GIN `&&`):
 *
 * - `name|system|code` (system and code), `name|*|code` (code, any system), `name|system|*`
 *   (any code of a system) and `name||code` (code with no system), for tokens and uris;
 * - `name:of-type|typeSystem|typeCode|value` for identifiers with a type;
 * - `name:identifier|system|value` for a reference's logical identifier;
 * - `?name` when the resource has any value for the parameter (`:missing`);
 * - `name|Type/id` and `name|id` for references.
 */

/** Escapes the separator so `system|value` pairs cannot collide ("a|b" + "c" vs "a" + "b|c"). */
export function escapeTokenPart(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

export function tokenKey(name: string, system: string | undefined | null, code: string | undefined): string {
  const sys = system === undefined ? '*' : system === null ? '' : escapeTokenPart(system);
  const val = code === undefined ? '*' : escapeTokenPart(code);
  return `${name}|${sys}|${val}`;
}

export function ofTypeKey(name: string, typeSystem: string, typeCode: string, value: string): string {
  return `${name}:of-type|${escapeTokenPart(typeSystem)}|${escapeTokenPart(typeCode)}|${escapeTokenPart(value)}`;
}

export function presenceKey(name: string): string {
  return `?${name}`;
}

export function referenceKey(name: string, target: string): string {
  return `${name}|${target}`;
}

/** `Patient/123`, `Patient/123/_history/2` or an absolute URL on one of our bases → `Patient/123`. */
export function normalizeReference(
  reference: string,
  localBases: readonly string[] = [],
): string | undefined {
  const target = localTarget(reference, localBases);
  return target ? `${target.type}/${target.id}` : undefined;
}
