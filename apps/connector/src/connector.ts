import { Logger, type LoggerService } from '@nestjs/common';
import type { OpenDatabase } from '@passerelle/store';
import type { ConnectorConfig } from './connector-config';
import type { CursorStore } from './cursors/cursor-store';
import { openCursorStore } from './cursors/open-cursor-store';
import { BackendServicesClient, backendServicesAuth } from './auth/backend-services';
import { FhirEndpoint, type RequestAuth, staticAuth } from './fhir/fhir-endpoint';
import { HubTokenProvider, hubRequestAuth, type HubTokenOptions } from './hub/hub-token';
import type { CycleHooks } from './sync/outcomes';
import type { ProgressOutput } from './sync/progress';
import { SyncCycle } from './sync/sync-cycle';
import { SyncLoop } from './sync/sync-loop';

/** Everything one agency's connector runs on, built from its config. */
export interface Connector {
  config: ConnectorConfig;
  cycle: SyncCycle;
  loop: SyncLoop;
  cursors: CursorStore;
  tokens: HubTokenProvider;
  /** The agency server's token client, when it asks for SMART Backend Services. */
  agencyTokens?: BackendServicesClient;
  agency: FhirEndpoint;
  hub: FhirEndpoint;
  /** Stops the loop (finishing the page in hand) and closes the cursor store. */
  close(): Promise<void>;
}

export interface ConnectorOptions {
  logger?: LoggerService;
  hooks?: CycleHooks;
  /** Token clients' clock and transport (specs); used for the hub's and the agency server's. */
  tokens?: HubTokenOptions;
  /** Progress bar output (stderr by default) and how often progress is logged. */
  progress?: { output?: ProgressOutput; logEveryMs?: number };
  /** An already open database for the cursors (tests sharing one); otherwise the config's state. */
  database?: OpenDatabase;
}

/**
 * Opens the cursor store (the database's running the connector's migrations, or the file), prepares
 * the clients of the agency's server and of the hub, and wires the cycle and its loop. Nothing is
 * contacted yet: the first request goes out with the first cycle.
 */
export async function createConnector(
  config: ConnectorConfig,
  options: ConnectorOptions = {},
): Promise<Connector> {
  // No context of its own: each class passes its name as the context of every line.
  const logger = options.logger ?? new Logger();
  const state = await openCursorStore(config.state, config.hub.clientId, options.database);
  try {
    const cursors = state.cursors;
    const tokens = new HubTokenProvider(config.hub, options.tokens);
    const { auth: agencyAuth, tokens: agencyTokens } = agencyRequestAuth(config, options.tokens);
    const agency = await FhirEndpoint.connect(config.agency.fhirBaseUrl, agencyAuth);
    const hub = await FhirEndpoint.connect(`${config.hub.url}/fhir`, hubRequestAuth(tokens));
    const cycle = new SyncCycle({
      agency,
      hub,
      cursors,
      sync: config.sync,
      logger,
      progress: options.progress ?? {},
      hooks: options.hooks,
    });
    const loop = new SyncLoop(cycle, config.sync.pollIntervalMs, logger);
    return {
      config,
      cycle,
      loop,
      cursors,
      tokens,
      ...(agencyTokens !== undefined ? { agencyTokens } : {}),
      agency,
      hub,
      close: async () => {
        await loop.stop();
        await state.close();
      },
    };
  } catch (e) {
    await state.close();
    throw e;
  }
}

/** How requests to the agency's server authenticate; with SMART Backend Services, its token client too. */
function agencyRequestAuth(
  config: ConnectorConfig,
  options: HubTokenOptions | undefined,
): { auth: RequestAuth; tokens?: BackendServicesClient } {
  const auth = config.agency.auth;
  if (auth.kind !== 'smart-backend') return { auth: staticAuth(auth) };
  const tokens = new BackendServicesClient(
    {
      server: 'agency server',
      clientId: auth.clientId,
      key: auth.key,
      scope: auth.scope,
      discoveryBase: config.agency.fhirBaseUrl,
      ...(auth.tokenUrl !== undefined ? { tokenUrl: auth.tokenUrl } : {}),
      refusalHint: `is client ${auth.clientId} registered there with this key (kid ${auth.key.kid}) and these scopes?`,
    },
    options,
  );
  return { auth: backendServicesAuth(tokens), tokens };
}
