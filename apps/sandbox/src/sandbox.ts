import { type Country, defaultAgencies } from '@passerelle/synthetic';
import { AGENCY_KINDS, type AgencyKind } from './agency-kinds';
import { type AgencyServer, startAgencyServer } from './agency-server';
import type { AgencyAuth } from './auth';
import type { PageSize } from './paging';
import { DEFAULT_SEED } from './seed';

export interface SandboxOptions {
  /** Which agencies to start, in order. Default all three: hospital, gp, specialist. */
  agencies?: readonly AgencyKind[];
  /** Default '127.0.0.1'. */
  host?: string;
  /** Host name in each agency's `baseUrl` (e.g. `sandbox` in Docker); default `host`. */
  publicHost?: string;
  /** Agency i listens on basePort + i; default 0: each on a free port chosen by the system. */
  basePort?: number;
  /** Population size; each agency holds the patients it knows. Default 20; 0 = empty servers. */
  seedPatients?: number;
  /** Default 42. */
  seed?: number;
  /** Default 'FR'. */
  country?: Country;
  resourcesPerPatient?: number;
  /** One auth for every agency, or one per kind (missing kinds: none). Default none. */
  auth?: AgencyAuth | Partial<Record<AgencyKind, AgencyAuth>>;
  pages?: PageSize;
}

export interface Sandbox {
  agencies: AgencyServer[];
  /** The agency of a kind; throws when it was not started. */
  agency(kind: AgencyKind): AgencyServer;
  close(): Promise<void>;
}

export const DEFAULT_SEED_PATIENTS = 20;

/** Starts the simulated hospital, GP practice and specialist clinic, each on its own port. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const kinds = options.agencies ?? AGENCY_KINDS;
  const country = options.country ?? 'FR';
  const identities = defaultAgencies(country);
  const started: AgencyServer[] = [];
  try {
    for (const [i, kind] of kinds.entries()) {
      started.push(
        await startAgencyServer({
          kind,
          identity: identities[kind],
          host: options.host ?? '127.0.0.1',
          ...(options.publicHost !== undefined ? { publicHost: options.publicHost } : {}),
          port: options.basePort === undefined || options.basePort === 0 ? 0 : options.basePort + i,
          ...(authFor(options.auth, kind) !== undefined ? { auth: authFor(options.auth, kind) } : {}),
          seed: {
            patients: options.seedPatients ?? DEFAULT_SEED_PATIENTS,
            seed: options.seed ?? DEFAULT_SEED,
            country,
            agencies: identities,
            ...(options.resourcesPerPatient !== undefined
              ? { resourcesPerPatient: options.resourcesPerPatient }
              : {}),
          },
          ...(options.pages !== undefined ? { pages: options.pages } : {}),
        }),
      );
    }
  } catch (error) {
    await Promise.all(started.map((a) => a.close()));
    throw error;
  }
  return {
    agencies: started,
    agency(kind) {
      const found = started.find((a) => a.kind === kind);
      if (found === undefined) throw new Error(`the sandbox has no ${kind} agency`);
      return found;
    },
    close: async () => {
      await Promise.all(started.map((a) => a.close()));
    },
  };
}

function authFor(auth: SandboxOptions['auth'], kind: AgencyKind): AgencyAuth | undefined {
  if (auth === undefined) return undefined;
  if ('type' in auth) return auth;
  return auth[kind];
}
