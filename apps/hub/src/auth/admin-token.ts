import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger, type LoggerService } from '@nestjs/common';
import { type HubConfig, operatorCredentialProblem } from '@passerelle/config';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Where the embedded hub keeps its generated operator credential. */
export function adminTokenFile(dataDir: string): string {
  return join(dataDir, ADMIN_TOKEN_FILE);
}

/**
 * The operator credential: ADMIN_TOKEN when set; on the embedded default, DATA_DIR/admin-token,
 * generated on first start (mode 0600). A PostgreSQL deployment must set ADMIN_TOKEN. Whatever
 * its source, a credential shorter than 32 characters stops the hub: an empty file (a truncated
 * write, a full disk) would otherwise accept an empty `Bearer`. The credential is never logged:
 * the log says which file holds it.
 */
export function resolveAdminToken(config: HubConfig, logger: LoggerService = new Logger('Admin')): string {
  const configured = config.auth.adminToken;
  if (configured !== undefined) {
    const problem = operatorCredentialProblem(configured);
    if (problem) throw new Error(`ADMIN_TOKEN ${problem}`);
    return configured;
  }
  if (config.database.kind !== 'pglite') {
    throw new Error(
      'ADMIN_TOKEN is required when DATABASE_URL is set: set it to at least 32 characters (e.g. `openssl rand -hex 32`)',
    );
  }
  const file = adminTokenFile(config.database.dataDir);
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    const problem = operatorCredentialProblem(token);
    if (problem)
      throw new Error(
        `The operator credential in ${file} ${problem}. Delete the file to have the hub generate ` +
          'a new one, write one yourself (mode 0600), or set ADMIN_TOKEN.',
      );
    return token;
  }
  mkdirSync(config.database.dataDir, { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  logger.log(`Operator credential generated into ${file} (mode 0600): read it from there`);
  return token;
}
