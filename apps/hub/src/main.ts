import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit, loadHubConfig } from '@passerelle/config';
import { createHubApp } from './hub-app';

async function bootstrap(): Promise<void> {
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
  process.exit(1);
});
