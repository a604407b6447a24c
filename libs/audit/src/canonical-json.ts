import { createHash } from 'node:crypto';

/**
 * The canonical JSON the audit chain hashes: `JSON.stringify` (ECMA-262: no whitespace, its
 * string escaping, `undefined` members dropped) with every object's keys sorted by UTF-16 code
 * unit (JavaScript's default sort). Arrays keep their order. The content comes back from jsonb
 * with its keys reordered, so hashing must never depend on key order. An outside verifier must
 * reproduce exactly this serialisation.
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

/** The `prev_hash` of the first record of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** `hash = hex(sha256(prev_hash + "\n" + canonicalJson(content)))`, UTF-8. */
export function chainHash(prevHash: string, content: unknown): string {
  return linkHash(prevHash, canonicalJson(content));
}

/** The same, from content already serialised by `canonicalJson`. */
export function linkHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(`${prevHash}\n${canonical}`, 'utf8').digest('hex');
}
