import { randomUUID } from 'node:crypto';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HubConfig, nestLogLevels } from '@passerelle/config';
import { parseFhirJson } from '@passerelle/fhir';
import { AdminModule } from './admin/admin.module';
import { QueuesModule } from './queues/queues.module';
import { registerFormParser } from './auth/token.controller';
import { clientErrorHandler } from './client-errors';
import { HubModule } from './hub.module';

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
export async function createHubApp(config: HubConfig, options: { logger?: LogLevel[] | false } = {}) {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: () => randomUUID(),
    clientErrorHandler,
    // FHIR ids and search values may contain characters Fastify's default would refuse.
    // `POST /fhir/` is how some clients (fhir-kit-client) send a transaction.
    routerOptions: { maxParamLength: 256, ignoreTrailingSlash: true },
  });
  const app = await NestFactory.create<NestFastifyApplication>(HubModule.forRoot(config), adapter, {
    logger: options.logger ?? nestLogLevels(config.logLevel),
    bodyParser: false,
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
