import { join } from 'node:path';
import type { Client, ClientConfig, FhirResource } from 'fhir-kit-client' with {
  'resolution-mode': 'import',
};

export type { Client as FhirKitClient, FhirResource as FhirKitResource };

/**
 * fhir-kit-client for tests. It is ESM-only and its package exports only an `import`
 * condition, which jest's CommonJS resolver never matches ("Cannot find module"); its entry
 * file loaded by path is transpiled by jest (see transformIgnorePatterns) and works.
 */
export async function fhirKitClient(config: ClientConfig): Promise<Client> {
  const entry = join(__dirname, '..', '..', '..', 'node_modules', 'fhir-kit-client', 'dist', 'index.js');
  const loaded = (await import(entry)) as { Client: new (config: ClientConfig) => Client };
  return new loaded.Client(config);
}

/** A FHIR resource typed with `fhir/r4` as the body fhir-kit-client sends. */
export function asBody(resource: object): FhirResource {
  return resource as FhirResource;
}

/** The HTTP status fhir-kit-client attaches to the error of a refused request. */
export function refusedStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('response' in error)) return undefined;
  const response = (error as { response?: { status?: unknown } }).response;
  return typeof response?.status === 'number' ? response.status : undefined;
}
