import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { exitWithHelpIfAsked, loadConfigOrExit } from '@passerelle/config';
import { createNestLogger } from '@passerelle/telemetry';
import { loadSandboxConfig } from './sandbox-config';
import { SandboxModule } from './sandbox.module';

const USAGE = `usage: node dist/apps/sandbox/src/main.js   (npm run start:sandbox)

Simulated agency FHIR servers (hospital, GP, specialist) for the demo, the tests and the
benchmarks; not part of a deployment. Configured by the environment only (apps/sandbox/README.md):
SANDBOX_PORT (its /health, default 8090), SANDBOX_AGENCY_PORT (the first agency's port), HOST,
LOG_LEVEL.

Exit codes: 0 stopped; 1 failed.`;

async function bootstrap(): Promise<void> {
  exitWithHelpIfAsked(process.argv.slice(2), USAGE);
  const config = loadConfigOrExit(() => loadSandboxConfig(process.env));
  const app = await NestFactory.create<NestFastifyApplication>(
    SandboxModule.forRoot(config),
    new FastifyAdapter(),
    { logger: createNestLogger('sandbox', config.logLevel) },
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
