/**
 * Canonical JSON: `JSON.stringify` (ECMA-262: no whitespace, its string escaping, `undefined`
 * members dropped) with every object's keys sorted by UTF-16 code unit (JavaScript's default
 * sort); arrays keep their order. jsonb hands content back with its keys reordered, so
 * comparing resources and hashing the audit chain must never depend on key order. An outside
 * verifier of the audit chain must reproduce exactly this serialisation.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
