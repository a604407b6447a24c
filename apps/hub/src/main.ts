import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { exitWithHelpIfAsked, loadConfigOrExit, loadHubConfig, startupExitCode } from '@passerelle/config';
import { createHubApp } from './hub-app';

const USAGE = `usage: node dist/apps/hub/src/main.js   (npm run start:hub)

The Passerelle hub: FHIR R4 API, token endpoint, admin API, pages. Configured by the environment
only; every variable is in docs/operations.md (Environment variables). The main ones:
  PORT, HOST, PUBLIC_BASE_URL     where it listens and how clients see it
  DATABASE_URL | DATA_DIR         PostgreSQL, or the embedded PGlite in DATA_DIR (default ./data)
  REDIS_URL                       queues and shared rate limits (unset: in-process)
  ADMIN_TOKEN                     the operator credential (generated on the embedded default)
  LOG_LEVEL                       error | warn | log | debug

Exit codes: 0 stopped; 1 failed (bad configuration ...); 3 database unreachable; 5 database
migrated by a newer release. The CLI is npm run cli -- --help.`;

async function bootstrap(): Promise<void> {
  exitWithHelpIfAsked(process.argv.slice(2), USAGE);
  // Whatever the hub creates (database files, print runs, the operator credential) is its user's
  // alone: directories 0700, files 0600.
  process.umask(0o077);
  const config = loadConfigOrExit(() => loadHubConfig(process.env));
  const app = await createHubApp(config);
  await app.listen(config.http.port, config.http.host);
  const where =
    config.database.kind === 'pglite' ? `embedded PGlite in ${config.database.dataDir}` : 'PostgreSQL';
  Logger.log(`Passerelle hub ready: ${config.http.publicBaseUrl}/fhir (storage: ${where})`, 'Bootstrap');
}

bootstrap().catch((e: unknown) => {
  console.error('hub failed to start:', e instanceof Error ? e.message : e);
  // 5: the database is newer than this release; 3: the database cannot be reached; else 1.
  process.exit(startupExitCode(e));
});
