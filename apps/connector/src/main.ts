import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitWithHelpIfAsked, loadConfigOrExit } from '@passerelle/config';
import { createNestLogger } from '@passerelle/telemetry';
import { loadConnectorConfig } from './connector-config';
import { ConnectorModule } from './connector.module';
import { baselineWasmOnly, watchFullCollections } from './memory';

const USAGE = `usage: node dist/apps/connector/src/main.js   (npm run start:connector)

A Passerelle connector, at one agency: pulls the agency's changes from its FHIR server to the hub
and the agency's feed from the hub into it. Configured by the environment only; every variable
is in docs/operations.md (Environment variables). Required: CONNECTOR_KIND (hospital | gp |
specialist), AGENCY_FHIR_URL, HUB_URL, CLIENT_ID, PRIVATE_KEY_FILE; also CONNECTOR_PORT (health,
default 8082), DATA_DIR (its cursors), LOG_LEVEL.

Exit codes: 0 stopped; 1 failed (bad configuration ...).`;

async function bootstrap(): Promise<void> {
  exitWithHelpIfAsked(process.argv.slice(2), USAGE);
  const config = loadConfigOrExit(() => loadConnectorConfig(process.env));
  baselineWasmOnly();
  watchFullCollections();
  const app = await NestFactory.create<NestFastifyApplication>(
    ConnectorModule.forRoot(config),
    new FastifyAdapter(),
    { logger: createNestLogger('connector', config.logLevel) },
  );
  // SIGTERM: the loop finishes the page in hand and stores its cursor, then the database closes.
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  Logger.log(
    `connector (${config.kind}, agency ${config.hub.clientId}) listening on ${await app.getUrl()}; ` +
      `agency server ${config.agency.fhirBaseUrl}, hub ${config.hub.url}, every ${config.sync.pollIntervalMs} ms`,
    'Bootstrap',
  );
}

bootstrap().catch((error: unknown) => {
  console.error('connector failed to start:', error);
  process.exit(1);
});
