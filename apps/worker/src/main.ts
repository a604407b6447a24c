import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfigOrExit, nestLogLevels } from '@passerelle/config';
import { loadWorkerConfig } from './worker-config';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => loadWorkerConfig(process.env));
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config),
    new FastifyAdapter(),
    { logger: nestLogLevels(config.logLevel) },
  );
  // SIGTERM from the orchestrator closes the server and lets providers finish their work.
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  Logger.log(`worker listening on ${await app.getUrl()}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error('worker failed to start:', error);
  process.exit(1);
});
