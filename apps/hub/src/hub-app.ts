import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import fastifyCookie from '@fastify/cookie';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HubConfig, nestLogLevels } from '@passerelle/config';
import { parseFhirJson } from '@passerelle/fhir';
import { loadRoutingRules } from '@passerelle/sync';
import { createLogger, installAccessLog, PinoNestLogger, requestIdFrom } from '@passerelle/telemetry';
import type { DestinationStream } from 'pino';
import type { AuthenticatedRequest } from './auth/fhir-auth.guard';
import { AdminModule } from './admin/admin.module';
import { QueuesModule } from './queues/queues.module';
import { resolveAdminToken } from './auth/admin-token';
import { registerFormParser } from './auth/token.controller';
import { clientErrorHandler } from './client-errors';
import { HubModule } from './hub.module';
import { HubMetrics } from './metrics/hub-metrics';
import { hubPrivateTrees, securePrivateFiles } from './private-files';

/** The admin API's OpenAPI document at /admin/docs (JSON at /admin/docs-json). */
function setUpAdminDocs(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Passerelle admin API')
      .setDescription(
        'Operators register agencies, suspend them and rotate their keys. Bearer: the operator credential.',
      )
      .addBearerAuth()
      .build(),
    { include: [AdminModule, QueuesModule] },
  );
  SwaggerModule.setup('admin/docs', app, document);
}

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Builds the hub (not yet listening): used by main, the e2e tests and the benchmarks alike. */
export async function createHubApp(
  config: HubConfig,
  options: { logger?: LogLevel[] | false; logDestination?: DestinationStream } = {},
) {
  const logLevels = options.logger ?? nestLogLevels(config.logLevel);
  // JSON lines (docs/operations.md, Logs); the tests may narrow the levels or capture the lines.
  const pino = createLogger('hub', config.logLevel, options.logDestination);
  const logger = new PinoNestLogger(pino);
  logger.setLogLevels(logLevels || []);
  // Nest's logger is not set up yet: these say what start-up did at the configured levels.
  const startupLogger = (context: string) => logger.forContext(context);
  // Before anything is opened: the database, the credential and print runs must be private.
  securePrivateFiles(hubPrivateTrees(config, config.mailroom.outputDir), startupLogger('Files'));
  // A missing or short operator credential stops the hub here, before the database is opened;
  // on the embedded default a first start generates it (the modules read it back).
  resolveAdminToken(config, startupLogger('Admin'));
  // A bad routing rules file stops the hub here too, before the database is opened, with every
  // problem and its line (the sync runtime reads the file again for its providers).
  loadRoutingRules(config.sync.routingRulesFile);
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    // The caller's X-Request-Id when well formed (a UUID or hex), else a new UUID.
    requestIdHeader: false,
    genReqId: requestIdFrom,
    clientErrorHandler,
    // FHIR ids and search values may contain characters Fastify's default would refuse.
    // `POST /fhir/` is how some clients (fhir-kit-client) send a transaction.
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
    // request.ip is the client named by these proxies' X-Forwarded-For; none by default.
    trustProxy: config.http.trustProxy.length > 0 ? config.http.trustProxy : false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(HubModule.forRoot(config), adapter, {
    logger,
    bodyParser: false,
    // A provider that refuses to start (a short operator credential, ...) rejects here, so main
    // prints its message and exits 1, and tests can see it, instead of Nest exiting the process.
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // Every JSON body goes through the hostile-input parser: depth limit, no prototype keys.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/fhir+json', 'application/json'],
    { parseAs: 'string', bodyLimit: config.http.bodyLimitBytes },
    (_request, body, done) => {
      try {
        done(null, parseFhirJson(body as string, { maxDepth: config.fhir.maxJsonDepth }));
      } catch (e) {
        done(e as Error, undefined);
      }
    },
  );
  registerFormParser(fastify);
  const metrics = app.get(HubMetrics);
  installAccessLog(fastify, pino, {
    agencyOf: (request) => (request as AuthenticatedRequest).access?.agency,
    onResponse: (request, reply) =>
      metrics.requestAnswered(
        request.method,
        request.routeOptions.url ?? 'unmatched',
        reply.statusCode,
        reply.elapsedTime / 1000,
      ),
  });
  // The pages' session, login-form and language cookies (unsigned: each is checked on its own).
  await app.register(fastifyCookie);
  fastify.addHook('onSend', async (request, reply, payload) => {
    // Every FHIR answer is fhir+json, but for the PDF a client asked for ($summary).
    if (
      request.url.startsWith('/fhir') &&
      !request.url.startsWith('/fhir/.well-known') &&
      reply.getHeader('content-type') !== 'application/pdf'
    )
      reply.header('content-type', FHIR_JSON);
    return payload;
  });
  setUpAdminDocs(app);
  app.enableShutdownHooks();
  return app;
}
