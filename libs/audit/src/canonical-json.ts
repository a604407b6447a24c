import { createHash } from 'node:crypto';
import { canonicalJson } from '@passerelle/fhir';

/** The audit chain hashes content serialised by `canonicalJson` (libs/fhir, documented there). */
export { canonicalJson };

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
