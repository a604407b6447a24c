import { generateKeyPairSync } from 'node:crypto';

/**
 * The audit checkpoint key test hubs sign with (a hub on PostgreSQL refuses to start without
 * one): an Ed25519 key of this test process, never written to disk. Its own module, so process
 * harnesses can take it without loading the hub.
 */
export const TEST_CHECKPOINT_KEY = generateKeyPairSync('ed25519')
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
