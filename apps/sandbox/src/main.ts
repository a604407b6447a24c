import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit, nestLogLevels } from '@passerelle/config';
import { loadSandboxConfig } from './sandbox-config';
import { SandboxModule } from './sandbox.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadSandboxConfig(process.env));
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule.forRoot(config),
    new FastifyAdapter(),
    { logger: nestLogLevels(config.logLevel) },
  );
  // SIGTERM/SIGINT close the agency servers (SandboxService) before the process exits.
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  Logger.log(`sandbox listening on ${await app.getUrl()} (GET /health lists the agencies)`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error('sandbox failed to start:', error);
  process.exit(1);
});
