import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CheckpointSource, checkpointPrivateKey, checkpointPublicKeys } from '@passerelle/audit';
import type { HubConfig } from '@passerelle/config';

/** Provider of `() => CheckpointSource`: read at each verification (a key file may change). */
export const AUDIT_CHECKPOINT_SOURCE = Symbol('AUDIT_CHECKPOINT_SOURCE');
export type CheckpointSourceProvider = () => CheckpointSource;

/** The embedded default's checkpoint key, generated on first start beside the database. */
export const CHECKPOINT_KEY_FILE = 'audit-checkpoint-key.pem';

const REQUIRED =
  'AUDIT_CHECKPOINT_KEY_FILE (or AUDIT_CHECKPOINT_KEY), an Ed25519 private key in PEM kept outside ' +
  'the database, is required when DATABASE_URL is set: `openssl genpkey -algorithm ed25519 -out audit-checkpoint.pem`';

function readKeyFile(file: string, variable: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`${variable}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The configured private key, or the embedded default's file when it exists; undefined otherwise. */
function configuredPrivateKey(config: HubConfig): KeyObject | undefined {
  const { key, keyFile } = config.auditCheckpoints;
  if (key !== undefined) return checkpointPrivateKey(key, 'AUDIT_CHECKPOINT_KEY');
  if (keyFile !== undefined)
    return checkpointPrivateKey(
      readKeyFile(keyFile, 'AUDIT_CHECKPOINT_KEY_FILE'),
      'AUDIT_CHECKPOINT_KEY_FILE',
    );
  if (config.database.kind !== 'pglite') return undefined;
  const file = join(config.database.dataDir, CHECKPOINT_KEY_FILE);
  return existsSync(file) ? checkpointPrivateKey(readFileSync(file, 'utf8'), file) : undefined;
}

/**
 * The key the hub signs checkpoints with: AUDIT_CHECKPOINT_KEY or AUDIT_CHECKPOINT_KEY_FILE; on the
 * embedded default, DATA_DIR/audit-checkpoint-key.pem, generated (mode 0600) on first start. A
 * PostgreSQL deployment must configure one: the hub refuses to start without it.
 */
export function resolveCheckpointSigningKey(config: HubConfig): { key: KeyObject; generated?: string } {
  const configured = configuredPrivateKey(config);
  if (configured) return { key: configured };
  if (config.database.kind !== 'pglite') throw new Error(REQUIRED);
  const file = join(config.database.dataDir, CHECKPOINT_KEY_FILE);
  mkdirSync(config.database.dataDir, { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  return { key: privateKey, generated: file };
}

/**
 * The public keys `audit verify` accepts: AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE when set (the current
 * key and retired ones), else the signing key's own. None when no key is known: every checkpoint
 * is then reported as signed by an unknown key.
 */
export function resolveCheckpointPublicKeys(config: HubConfig): KeyObject[] {
  const { publicKeysFile } = config.auditCheckpoints;
  if (publicKeysFile !== undefined)
    return checkpointPublicKeys(
      readKeyFile(publicKeysFile, 'AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE'),
      'AUDIT_CHECKPOINT_PUBLIC_KEYS_FILE',
    );
  const privateKey = configuredPrivateKey(config);
  return privateKey ? [createPublicKey(privateKey)] : [];
}

/** Where `audit verify` finds the checkpoints, and the keys it accepts. */
export function checkpointSource(config: HubConfig): CheckpointSource {
  return { dir: config.auditCheckpoints.dir, publicKeys: resolveCheckpointPublicKeys(config) };
}
