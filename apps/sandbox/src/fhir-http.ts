import {
  badRequest,
  forbidden,
  getStatus,
  normalizeOperationOutcome,
  notFound,
  unauthorized,
} from '@medplum/core';
import type { FhirRepository, FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { authChallenge, type AgencyAuth, isAuthorized } from './auth';
import type { ChangeLog } from './change-log';
import { addSearchLinks, boundedSearchQuery, type PageSize } from './paging';
import { needsOf, SANDBOX_TOKEN_PATH, type SmartBackendServer } from './smart-backend';

/** Where the FHIR API sits on each agency server: `http://host:port/fhir`. */
export const FHIR_BASE_PATH = '/fhir';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const METHODS: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export interface FhirHttpOptions {
  router: FhirRouter;
  repository: FhirRepository;
  auth: AgencyAuth;
  /** The token side of `auth` when it is `smart-backend`. */
  smart?: SmartBackendServer;
  /** Names the server in 401 challenges. */
  realm: string;
  pages: PageSize;
  /** Answer of `GET /fhir/metadata`, readable without credentials as SMART servers do. */
  capabilityStatement: (base: string) => CapabilityStatement;
  /** Base of absolute URLs in answers; default `http://<Host header>/fhir`. */
  publicBaseUrl?: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
  /** The writes log that answers `GET /fhir/{type}/_history` (the router has no type history). */
  history?: Pick<ChangeLog, 'typeHistory'>;
}

/**
 * The HTTP face of one agency server: turns each request under /fhir into Medplum's
 * `FhirRequest`, lets `FhirRouter` answer it against the agency's repository, and turns the
 * `[OperationOutcome, Resource?]` answer into a status and an `application/fhir+json` body.
 * Everything FHIR (routing, search, conditional writes, batch and transaction) is Medplum's.
 */
export function createFhirHttpServer(options: FhirHttpOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 64 * 1024 * 1024 });
  const json = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser(
    ['application/fhir+json', 'application/json-patch+json'],
    { parseAs: 'string' },
    json,
  );
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, formToQuery(String(body)));
  });

  app.get(`${FHIR_BASE_PATH}/metadata`, async (request, reply) =>
    sendFhir(reply, 200, options.capabilityStatement(baseUrl(request, options))),
  );
  if (options.smart !== undefined) addSmartRoutes(app, options.smart, options);
  const handle = (request: FastifyRequest, reply: FastifyReply) => handleFhir(request, reply, options);
  app.route({ method: [...METHODS], url: FHIR_BASE_PATH, handler: handle });
  app.route({ method: [...METHODS], url: `${FHIR_BASE_PATH}/*`, handler: handle });

  app.setNotFoundHandler(async (_request, reply) => sendFhir(reply, 404, notFound));
  app.setErrorHandler(async (error: { statusCode?: number; message?: string }, _request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode < 500 ? error.statusCode : 500;
    // Request bodies carry patient data: the message of a parse error may quote them, so only
    // client errors with Fastify's own messages are echoed.
    const outcome = status < 500 ? badRequest(error.message ?? 'Bad request') : badRequest('Internal error');
    return sendFhir(reply, status, outcome);
  });
  return app;
}

async function handleFhir(
  request: FastifyRequest,
  reply: FastifyReply,
  options: FhirHttpOptions,
): Promise<FastifyReply> {
  const method = request.method as HttpMethod;
  const base = baseUrl(request, options);
  const raw = request.raw.url ?? '';
  const queryStart = raw.indexOf('?');
  const path = (queryStart < 0 ? raw : raw.slice(0, queryStart))
    .slice(FHIR_BASE_PATH.length)
    .replace(/^\/+|\/+$/g, '');

  const refusal = refuseUnauthorized(request, reply, options, path);
  if (refusal !== undefined) return refusal;
  let query = new URLSearchParams(queryStart < 0 ? '' : raw.slice(queryStart + 1));
  const typeHistory = /^([A-Z][A-Za-z]+)\/_history$/.exec(path)?.[1];
  if (method === 'GET' && typeHistory !== undefined && options.history !== undefined) {
    const since = query.get('_since') ?? undefined;
    if (since !== undefined && Number.isNaN(Date.parse(since)))
      return sendFhir(reply, 400, badRequest('_since must be an instant'));
    return sendFhir(reply, 200, options.history.typeHistory(typeHistory, since, base));
  }

  const route = options.router.find(method, path);
  const search = route?.data?.interaction === 'search-type' && method === 'GET';
  if (search) query = boundedSearchQuery(query, options.pages);

  const searchString = query.toString();
  const fhirRequest: FhirRequest = {
    method,
    url: searchString === '' ? path : `${path}?${searchString}`,
    pathname: '',
    body: request.body,
    params: {},
    query: {},
    headers: request.headers,
    // Without `transactions`, Medplum runs a transaction Bundle as a batch.
    config: { transactions: true },
  };

  let outcome: OperationOutcome;
  let resource: Resource | undefined;
  try {
    [outcome, resource] = await options.router.handleRequest(fhirRequest, options.repository);
  } catch (error) {
    outcome = normalizeOperationOutcome(error);
  }
  const status = getStatus(outcome);
  if (resource === undefined || status >= 400) return sendFhir(reply, status, outcome);

  if (search && isBundle(resource)) resource = addSearchLinks(resource, base, path, query);
  const versionId = resource.meta?.versionId;
  if (versionId !== undefined) reply.header('etag', `W/"${versionId}"`);
  const lastUpdated = resource.meta?.lastUpdated;
  if (lastUpdated !== undefined) reply.header('last-modified', new Date(lastUpdated).toUTCString());
  if (status === 201 && resource.id !== undefined) {
    reply.header('location', `${base}/${resource.resourceType}/${resource.id}/_history/${versionId ?? ''}`);
  }
  return sendFhir(reply, status, resource);
}

/** The 401 (no or wrong credentials) or 403 (a token whose scopes fall short) the request earns, if any. */
function refuseUnauthorized(
  request: FastifyRequest,
  reply: FastifyReply,
  options: FhirHttpOptions,
  path: string,
): FastifyReply | undefined {
  const { auth, smart, realm } = options;
  if (auth.type === 'smart-backend') {
    if (smart === undefined) throw new Error('smart-backend auth needs its SmartBackendServer');
    const verdict = smart.check(request.headers.authorization, needsOf(request.method, path, request.body));
    if (verdict === 'ok') return undefined;
    if (verdict === 'forbidden') return sendFhir(reply, 403, forbidden);
    reply.header('www-authenticate', `Bearer realm="${realm}", error="invalid_token"`);
    return sendFhir(reply, 401, unauthorized);
  }
  const challenge = authChallenge(auth, realm);
  if (challenge === undefined || isAuthorized(auth, request.headers.authorization)) return undefined;
  reply.header('www-authenticate', challenge);
  return sendFhir(reply, 401, unauthorized);
}

/**
 * SMART discovery (at the root and under the FHIR base, where SMART clients look) and the token
 * endpoint, whose URL is built like the answers' links: from publicBaseUrl or the request's Host.
 */
function addSmartRoutes(app: FastifyInstance, smart: SmartBackendServer, options: FhirHttpOptions): void {
  const tokenUrl = (request: FastifyRequest) =>
    `${baseUrl(request, options).slice(0, -FHIR_BASE_PATH.length)}${SANDBOX_TOKEN_PATH}`;
  const discovery = async (request: FastifyRequest, reply: FastifyReply) =>
    reply
      .code(200)
      .type('application/json')
      .send(JSON.stringify(smart.configuration(tokenUrl(request))));
  app.get('/.well-known/smart-configuration', discovery);
  app.get(`${FHIR_BASE_PATH}/.well-known/smart-configuration`, discovery);
  app.post(SANDBOX_TOKEN_PATH, async (request, reply) => {
    const form = typeof request.body === 'object' && request.body !== null ? request.body : {};
    const answer = await smart.token(form as Record<string, unknown>, tokenUrl(request));
    return reply
      .code(answer.status)
      .header('cache-control', 'no-store')
      .type('application/json')
      .send(JSON.stringify(answer.body));
  });
}

function sendFhir(reply: FastifyReply, status: number, body: Resource): FastifyReply {
  return reply.code(status).type(FHIR_JSON).send(JSON.stringify(body));
}

function isBundle(resource: Resource): resource is Bundle {
  return resource.resourceType === 'Bundle';
}

function baseUrl(request: FastifyRequest, options: FhirHttpOptions): string {
  if (options.publicBaseUrl !== undefined) return options.publicBaseUrl.replace(/\/+$/, '');
  // The Host the client used, so that links work through Docker networks and port mappings.
  return `${request.protocol}://${request.host}${FHIR_BASE_PATH}`;
}

/** A `_search` POST body as Medplum's search parser takes it. */
function formToQuery(body: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  const form = new URLSearchParams(body);
  for (const key of new Set(form.keys())) {
    const values = form.getAll(key);
    query[key] = values.length === 1 ? values[0] : values;
  }
  return query;
}
