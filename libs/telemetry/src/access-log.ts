import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';

/**
 * An `X-Request-Id` the hub adopts: a UUID, or 16 to 64 hexadecimal digits (what proxies
 * generate). Nothing else, so a caller cannot make the logs carry a name or a number of theirs.
 */
const REQUEST_ID =
  /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{16,64})$/;

/** Fastify's genReqId: the caller's X-Request-Id when it is well formed, else a new UUID. */
export function requestIdFrom(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given.toLowerCase() : randomUUID();
}

/** What the access line says about the caller: the agency its token names, if any. */
export type AgencyOf = (request: FastifyRequest) => string | undefined;

/** The route template Fastify matched (`/fhir/:type/:id`), never the URL with its values. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unmatched';
}

/**
 * One access line per request, once it is answered: method, route template, status, duration,
 * agency and request id, and nothing from the URL's values, the query string, the headers or the
 * body. Every answer carries the request id back in X-Request-Id.
 */
export function installAccessLog(
  fastify: FastifyInstance,
  logger: Logger,
  options: { agencyOf?: AgencyOf; onResponse?: (request: FastifyRequest, reply: FastifyReply) => void } = {},
): void {
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    const line = {
      requestId: request.id,
      method: request.method,
      route: routeOf(request),
      status,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      agency: options.agencyOf?.(request),
    };
    if (status >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
    options.onResponse?.(request, reply);
  });
}
