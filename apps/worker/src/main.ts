import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { describeFixes, loadConfigOrExit, nestLogLevels, securePrivateTrees } from '@passerelle/config';
import { loadRoutingRules } from '@passerelle/sync';
import { loadWorkerConfig } from './worker-config';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfigOrExit(() => {
    const loaded = loadWorkerConfig(process.env);
    // A bad routing rules file stops the worker here with every problem and its line; the module
    // reads the file again for the router.
    loadRoutingRules(loaded.sync.routingRulesFile);
    return loaded;
  });
  // Print runs carry names and addresses: the worker's user's alone (directories 0700, files
  // 0600), checked before any is written; too open is narrowed, another user's stops the worker.
  process.umask(0o077);
  const fixed = describeFixes(
    securePrivateTrees([{ variable: 'MAILROOM_DIR', dir: config.mailroom.outputDir }]),
  );
  for (const line of fixed) Logger.warn(line, 'Files');
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
