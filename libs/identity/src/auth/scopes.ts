import { isSupportedType, type SupportedType } from '@passerelle/fhir';

/** SMART permissions: create, read, update, delete, search. */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
const ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

export interface Scope {
  type: SupportedType | '*';
  permissions: ReadonlySet<Permission>;
}

/** SMART v1 spellings, mapped to v2 permissions. */
const V1: Record<string, Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/**
 * Parses one system scope: SMART v2 (`system/Patient.rs`, `system/*.cruds`) or v1
 * (`system/Patient.read`, `system/*.write`, `system/*.*`). Anything else is undefined.
 */
export function parseScope(text: string): Scope | undefined {
  const m = /^system\/([A-Za-z]+|\*)\.([a-z*]+)$/.exec(text);
  if (!m) return undefined;
  const [, type, perms] = m;
  if (type !== '*' && !isSupportedType(type)) return undefined;
  let permissions: Permission[];
  if (perms in V1) {
    permissions = V1[perms];
  } else {
    // v2: letters of "cruds", each at most once and in that order.
    const letters = [...perms] as Permission[];
    let last = -1;
    for (const l of letters) {
      const at = ORDER.indexOf(l);
      if (at <= last) return undefined;
      last = at;
    }
    permissions = letters;
  }
  return { type: type, permissions: new Set(permissions) };
}

export function formatScope(scope: Scope): string {
  return `system/${scope.type}.${ORDER.filter((p) => scope.permissions.has(p)).join('')}`;
}

/** Parses a space-separated scope string; unknown scopes are dropped (they are never granted). */
export function parseScopes(text: string): Scope[] {
  return text
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((s) => {
      const parsed = parseScope(s);
      return parsed ? [parsed] : [];
    });
}

/** What both sets allow: `system/*.rs` requested ∩ `system/Patient.cruds` allowed = `system/Patient.rs`. */
export function intersectScopes(requested: Scope[], allowed: Scope[]): Scope[] {
  const out = new Map<string, Scope>();
  for (const r of requested) {
    for (const a of allowed) {
      const type = r.type === '*' ? a.type : a.type === '*' || a.type === r.type ? r.type : undefined;
      if (type === undefined) continue;
      const permissions = new Set([...r.permissions].filter((p) => a.permissions.has(p)));
      if (permissions.size === 0) continue;
      const existing = out.get(type);
      out.set(type, { type, permissions: new Set([...(existing?.permissions ?? []), ...permissions]) });
    }
  }
  return [...out.values()];
}

/** True when the scopes allow `permission` on `type`. Deny by default. */
export function allows(scopes: readonly Scope[], type: SupportedType, permission: Permission): boolean {
  return scopes.some((s) => (s.type === '*' || s.type === type) && s.permissions.has(permission));
}
