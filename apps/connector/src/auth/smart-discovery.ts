import type { ClientKey } from './client-key';

/** How discovery reads a JSON document; injected so specs can answer without a server. */
export type GetJson = (url: string) => Promise<{ status: number; body: unknown }>;

export const getJson: GetJson = async (url) => {
  const res = await fetch(url, {
    headers: { accept: 'application/json' },
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON: refused below as an unusable document.
  }
  return { status: res.status, body };
};

/**
 * The server's SMART configuration cannot be used: none published (404), not JSON, no token
 * endpoint, or one that cannot take the connector's key. A configuration problem: not retried.
 */
export class SmartDiscoveryError extends Error {
  constructor(
    readonly server: string,
    url: string,
    problem: string,
  ) {
    super(`SMART configuration at ${url}: ${problem}`);
    this.name = 'SmartDiscoveryError';
  }
}

/** `<base>/.well-known/smart-configuration`, as SMART App Launch v2 places it under the FHIR base. */
export function smartConfigurationUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/.well-known/smart-configuration`;
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/**
 * Reads the token endpoint from the server's SMART configuration, checking what the document
 * says it supports against what the connector will send: `private_key_jwt` client
 * authentication and the key's algorithm (when the document lists them; both are optional
 * in the specification). A server fault (5xx, network) is thrown as it is, to be retried.
 */
export async function discoverTokenEndpoint(
  base: string,
  client: { server: string; key: ClientKey },
  get: GetJson,
): Promise<string> {
  const url = smartConfigurationUrl(base);
  const fail = (problem: string) => new SmartDiscoveryError(client.server, url, problem);
  const { status, body } = await get(url);
  if (status >= 500 || status === 429 || status === 408) {
    throw Object.assign(new Error(`${client.server} SMART configuration answered ${status}`), {
      response: { status },
    });
  }
  if (status !== 200) throw fail(`answered ${status}; does the server support SMART Backend Services?`);
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw fail('not a JSON object');
  const document = body as Record<string, unknown>;
  const endpoint = document.token_endpoint;
  if (typeof endpoint !== 'string') throw fail('no token_endpoint');
  let parsed: URL;
  try {
    parsed = new URL(endpoint);
  } catch {
    throw fail('token_endpoint is not an absolute URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw fail('token_endpoint is not http(s)');
  const methods = strings(document.token_endpoint_auth_methods_supported);
  if (methods !== undefined && !methods.includes('private_key_jwt')) {
    throw fail('token_endpoint_auth_methods_supported does not list private_key_jwt');
  }
  const algorithms = strings(document.token_endpoint_auth_signing_alg_values_supported);
  if (algorithms !== undefined && !algorithms.includes(client.key.alg)) {
    throw fail(`the server does not accept ${client.key.alg} assertions (it lists ${algorithms.join(', ')})`);
  }
  return endpoint;
}
