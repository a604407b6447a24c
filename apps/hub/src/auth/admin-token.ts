import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';

export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The operator credential: ADMIN_TOKEN when set; on the embedded default, generated on first
 * start into DATA_DIR/admin-token (mode 0600) and printed once. A PostgreSQL deployment must set it.
 */
export function resolveAdminToken(config: HubConfig): string {
  if (config.auth.adminToken) return config.auth.adminToken;
  if (config.database.kind !== 'pglite') {
    throw new Error('ADMIN_TOKEN (at least 32 characters) is required when DATABASE_URL is set');
  }
  const file = join(config.database.dataDir, ADMIN_TOKEN_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(config.database.dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  new Logger('Admin').log(`Operator credential generated (shown once, kept in ${file}): ${token}`);
  return token;
}
