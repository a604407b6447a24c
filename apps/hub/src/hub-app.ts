import { randomUUID } from 'node:crypto';
import type { LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type HubConfig, nestLogLevels } from '@passerelle/config';
import { parseFhirJson } from '@passerelle/fhir';
import { HubModule } from './hub.module';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** Builds the hub (not yet listening): used by main, the e2e tests and the benchmarks alike. */
export async function createHubApp(config: HubConfig, options: { logger?: LogLevel[] | false } = {}) {
  const adapter = new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    genReqId: () => randomUUID(),
    // FHIR ids and search values may contain characters Fastify's default would refuse.
    routerOptions: { maxParamLength: 256 },
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
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (request.url.startsWith('/fhir')) reply.header('content-type', FHIR_JSON);
    return payload;
  });
  app.enableShutdownHooks();
  return app;
}
