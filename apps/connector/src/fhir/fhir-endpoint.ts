import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Bundle, FhirResource, Parameters, Resource } from 'fhir/r4';
// fhir-kit-client is ESM-only and this app compiles to CommonJS: the types come in with an
// import-mode resolution and the code through a dynamic import(), which Node keeps as import().
import type { Client, RequestOptions } from 'fhir-kit-client' with { 'resolution-mode': 'import' };
import type { AgencyAuth } from '../auth/agency-auth';
import { httpStatusOf } from './retry';

let clientClass: Promise<typeof Client> | undefined;

/** Loads fhir-kit-client once. */
export function loadFhirKit(): Promise<typeof Client> {
  clientClass ??= import('fhir-kit-client').then(
    (m) => m.Client,
    (error: unknown) => importByPath(error),
  );
  return clientClass;
}

/**
 * Under jest the import() above becomes a require(), and the package exports only an `import`
 * condition, which CommonJS resolution never matches; its entry file, found by path, loads
 * (jest transpiles it). Plain Node never gets here.
 */
async function importByPath(original: unknown): Promise<typeof Client> {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const entry = join(dir, 'node_modules', 'fhir-kit-client', 'dist', 'index.js');
    if (existsSync(entry)) return ((await import(entry)) as { Client: typeof Client }).Client;
    if (dirname(dir) === dir) throw original;
  }
}

/** Supplies the Authorization header for each request; `refused` is told of a 401 and says whether to try once more. */
export interface RequestAuth {
  headers(): Promise<Record<string, string>>;
  refused?(headers: Record<string, string>): boolean;
}

/** Credentials that never change: none, HTTP Basic, a static bearer token. */
export type StaticAgencyAuth = Exclude<AgencyAuth, { kind: 'smart-backend' }>;

export function staticAuth(auth: StaticAgencyAuth): RequestAuth {
  let headers: Record<string, string>;
  switch (auth.kind) {
    case 'none':
      headers = {};
      break;
    case 'basic':
      headers = { authorization: `Basic ${Buffer.from(`${auth.user}:${auth.password}`).toString('base64')}` };
      break;
    case 'bearer':
      headers = { authorization: `Bearer ${auth.token}` };
      break;
  }
  return { headers: () => Promise.resolve(headers) };
}

export interface FhirEndpointOptions {
  /** Per-request timeout; a hung server must not hang the connector. */
  timeoutMs?: number;
}

/**
 * One FHIR server as the connector uses it: search pages, transaction and batch Bundles and
 * operations through fhir-kit-client, each request with fresh auth headers and a timeout.
 */
export class FhirEndpoint {
  private constructor(
    private readonly client: Client,
    private readonly auth: RequestAuth,
    private readonly timeoutMs: number,
  ) {}

  static async connect(
    baseUrl: string,
    auth: RequestAuth,
    options: FhirEndpointOptions = {},
  ): Promise<FhirEndpoint> {
    const ClientClass = await loadFhirKit();
    return new FhirEndpoint(new ClientClass({ baseUrl }), auth, options.timeoutMs ?? 60_000);
  }

  get baseUrl(): string {
    return this.client.baseUrl;
  }

  /** Fresh auth headers and the timeout, for a request made outside fhir-kit-client (a document's content, streamed). */
  async rawRequest(): Promise<{ headers: Record<string, string>; timeoutMs: number }> {
    return { headers: await this.auth.headers(), timeoutMs: this.timeoutMs };
  }

  search(type: string, params: Record<string, string | number>): Promise<Bundle> {
    return this.call((options) => this.client.search({ resourceType: type, searchParams: params, options }));
  }

  /** PUT of a resource at its own id (update, or create where the server lets clients choose ids). */
  update(resource: FhirResource & { id: string }): Promise<Resource> {
    const url = `${this.client.baseUrl.replace(/\/+$/, '')}/${resource.resourceType}/${encodeURIComponent(resource.id)}`;
    return this.call((options) =>
      this.client.request(url, {
        method: 'PUT',
        body: resource,
        options: { ...options, headers: { ...options.headers, 'content-type': 'application/fhir+json' } },
      }),
    );
  }

  /** A type's history (`GET {type}/_history?...`): what the server wrote, deletions included. */
  typeHistory(type: string, params: Record<string, string | number>): Promise<Bundle> {
    return this.call((options) =>
      this.client.request(`${type}/_history?${new URLSearchParams(stringValues(params)).toString()}`, {
        options,
      }),
    );
  }

  /** A resource's versions, newest first (`GET {type}/{id}/_history`), readable after its deletion on most servers. */
  instanceHistory(type: string, id: string): Promise<Bundle> {
    return this.call((options) =>
      this.client.request(`${type}/${encodeURIComponent(id)}/_history`, { options }),
    );
  }

  /** The page after `bundle`, or undefined when its links name none. */
  nextPage(bundle: Bundle): Promise<Bundle | undefined> {
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (next === undefined) return Promise.resolve(undefined);
    return this.call((options) => this.client.request(next, { options }));
  }

  /**
   * POST of a transaction Bundle to the base URL itself. fhir-kit-client's transaction() posts to
   * `${base}/`, which servers routing strictly (the hub on Fastify) answer with 404.
   */
  transaction(bundle: Bundle): Promise<Bundle> {
    return this.postBundle(bundle);
  }

  /** POST of a batch Bundle (each entry succeeds or fails alone) to the base URL, as transaction(). */
  batch(bundle: Bundle): Promise<Bundle> {
    return this.postBundle(bundle);
  }

  private postBundle(bundle: Bundle): Promise<Bundle> {
    return this.call((options) =>
      this.client.request(this.client.baseUrl.replace(/\/+$/, ''), {
        method: 'POST',
        body: bundle,
        options: { ...options, headers: { ...options.headers, 'content-type': 'application/fhir+json' } },
      }),
    );
  }

  /** A system-level operation: GET with query parameters, or POST with a Parameters body. */
  operation(
    name: string,
    input: { get: Record<string, string | number> } | { post: Parameters },
  ): Promise<Resource> {
    return this.call((options) =>
      'get' in input
        ? this.client.operation({ name, method: 'GET', input: input.get, options })
        : this.client.operation({ name, method: 'POST', input: { ...input.post }, options }),
    );
  }

  private async call<T>(send: (options: RequestOptions) => Promise<unknown>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let headers: Record<string, string> | undefined;
      try {
        headers = await this.auth.headers();
        return (await send({ headers, signal: AbortSignal.timeout(this.timeoutMs) })) as T;
      } catch (e) {
        // One fresh token after a 401: the hub may have rotated its key or expired the token early.
        if (attempt === 1 && headers && httpStatusOf(e) === 401 && this.auth.refused?.(headers)) continue;
        throw fromServer(e, this.client.baseUrl);
      }
    }
  }
}

function stringValues(params: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}

/**
 * Names the server a failure came from, as `config.url` (what the cycle's health report reads):
 * fhir-kit-client's HTTP errors carry it, but a refused connection or a failed token request
 * (fetch's TypeError) does not, and "which server is down" is then exactly what goes unsaid.
 */
function fromServer(error: unknown, baseUrl: string): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const config = (error as { config?: unknown }).config;
  const url = typeof config === 'object' && config !== null ? (config as { url?: unknown }).url : undefined;
  if (typeof url === 'string' || Object.isFrozen(error)) return error;
  Object.assign(error, { config: { ...(typeof config === 'object' ? config : {}), url: baseUrl } });
  return error;
}
