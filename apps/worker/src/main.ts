import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  describeFixes,
  exitWithHelpIfAsked,
  loadConfigOrExit,
  securePrivateTrees,
  startupExitCode,
} from '@passerelle/config';
import { createNestLogger } from '@passerelle/telemetry';
import { loadRoutingRules } from '@passerelle/sync';
import { loadWorkerConfig } from './worker-config';
import { WorkerModule } from './worker.module';

const USAGE = `usage: node dist/apps/worker/src/main.js   (npm run start:worker)

The Passerelle worker: routing, letters, print runs, audit sealing, from the BullMQ queues.
Configured by the environment only; every variable is in docs/operations.md (Environment
variables). Required: DATABASE_URL and REDIS_URL (the hub's); also WORKER_PORT (health, default
8081), HOST, MAILROOM_DIR, LOG_LEVEL.

Exit codes: 0 stopped; 1 failed (bad configuration ...); 3 database unreachable; 5 database
migrated by a newer release.`;

async function bootstrap(): Promise<void> {
  exitWithHelpIfAsked(process.argv.slice(2), USAGE);
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
  const logger = createNestLogger('worker', config.logLevel);
  for (const line of fixed) logger.warn(line, 'Files');
  const app = await NestFactory.create<NestFastifyApplication>(
    WorkerModule.forRoot(config),
    new FastifyAdapter(),
    { logger },
  );
  // SIGTERM from the orchestrator closes the server and lets providers finish their work.
  app.enableShutdownHooks();
  await app.listen(config.http.port, config.http.host);
  Logger.log(`worker listening on ${await app.getUrl()}`, 'Bootstrap');
}

bootstrap().catch((error: unknown) => {
  console.error('worker failed to start:', error instanceof Error ? error.message : error);
  // 5: the database is newer than this release; 3: the database cannot be reached; else 1.
  process.exit(startupExitCode(error));
});
