import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit, nestLogLevels } from '@passerelle/config';
import { loadConnectorConfig } from './connector-config';
import { ConnectorModule } from './connector.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadConnectorConfig(process.env));
  const app = await NestFactory.create<NestFastifyApplication>(
    ConnectorModule.forRoot(config),
    new FastifyAdapter(),
    { logger: nestLogLevels(config.logLevel) },
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
