import { join, resolve } from 'node:path';
import type { EnvReader } from './env';

/**
 * Signed checkpoints of the audit chain: the hub signs the chain's head with an Ed25519 key kept
 * outside the database and appends it to a file a day in `dir`. See docs/audit.md.
 */
export interface AuditCheckpointConfig {
  /** secret: the Ed25519 private key, PEM (AUDIT_CHECKPOINT_KEY). At most one of key and keyFile. */
  key?: string;
  /** A file holding the PEM private key (AUDIT_CHECKPOINT_KEY_FILE). */
  keyFile?: string;
  /**
   * PEM public key(s) `audit verify` accepts (AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE): the current key
   * and retired ones. Unset: the private key's own public key.
   */
  publicKeysFile?: string;
  /** Where checkpoints are appended and read (AUDIT_CHECKPOINT_DIR, default DATA_DIR/audit-checkpoints). */
  dir: string;
  /** How often the head is signed (AUDIT_CHECKPOINT_INTERVAL_SECONDS, default 300). */
  intervalMs: number;
}

/**
 * Reads the checkpoint variables. Whether a key is required is decided where checkpoints are
 * signed (the hub: always, generated on the embedded default), not here: the CLI needs none.
 */
export function readAuditCheckpoints(r: EnvReader): AuditCheckpointConfig {
  const key = r.optionalString('AUDIT_CHECKPOINT_KEY');
  const keyFile = r.optionalString('AUDIT_CHECKPOINT_KEY_FILE');
  const publicKeysFile = r.optionalString('AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE');
  if (key !== undefined && keyFile !== undefined)
    r.problems.push('Set AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE, not both');
  if (key !== undefined && !key.includes('PRIVATE KEY'))
    r.problems.push('AUDIT_CHECKPOINT_KEY must be a PEM private key (Ed25519)');
  const dir = r.optionalString('AUDIT_CHECKPOINT_DIR');
  return {
    ...(key !== undefined ? { key } : {}),
    ...(keyFile !== undefined ? { keyFile: resolve(keyFile) } : {}),
    ...(publicKeysFile !== undefined ? { publicKeysFile: resolve(publicKeysFile) } : {}),
    dir: resolve(dir ?? join(r.string('DATA_DIR', './data'), 'audit-checkpoints')),
    intervalMs: r.int('AUDIT_CHECKPOINT_INTERVAL_SECONDS', 300, 1, 86_400) * 1000,
  };
}
