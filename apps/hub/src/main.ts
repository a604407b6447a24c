import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit, loadHubConfig } from '@passerelle/config';
import { createHubApp } from './hub-app';

async function bootstrap(): Promise<void> {
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
