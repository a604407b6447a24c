/**
 * Preloaded into a hub process by bench/consent only (`node -r`): turns the consent check into
 * "everything visible" and the audit into nothing, so the same read runs unchecked. It exists to
 * measure what consent and audit cost; nothing in the product loads it.
 */
import './consent-off';
import './audit-off';
