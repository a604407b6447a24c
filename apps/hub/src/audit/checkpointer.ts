import { mkdirSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { AuditCheckpointer } from '@passerelle/audit';
import type { HubConfig } from '@passerelle/config';
import type { DataSource } from 'typeorm';
import { resolveCheckpointSigningKey } from './checkpoint-keys';

/**
 * The hub's checkpointer: signs the audit chain's head every AUDIT_CHECKPOINT_INTERVAL_SECONDS
 * into AUDIT_CHECKPOINT_DIR, off the request path. Throws (the hub does not start) when no key
 * is configured on PostgreSQL, the key is not an Ed25519 private key, or the directory cannot be
 * made.
 */
export function createHubCheckpointer(config: HubConfig, dataSource: DataSource): AuditCheckpointer {
  const logger = new Logger('AuditCheckpoints');
  const { key, generated } = resolveCheckpointSigningKey(config);
  if (generated)
    logger.log(`Audit checkpoint key generated into ${generated} (mode 0600): keep a copy apart`);
  // Fails the start when the directory cannot be made, rather than every checkpoint later.
  mkdirSync(config.auditCheckpoints.dir, { recursive: true, mode: 0o700 });
  return new AuditCheckpointer(dataSource.manager, {
    dir: config.auditCheckpoints.dir,
    privateKey: key,
    intervalMs: config.auditCheckpoints.intervalMs,
    // The error's name and message only: a checkpoint holds no patient data, nor does its failure.
    onError: (e) =>
      logger.error(`Audit checkpoint failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`),
  });
}
