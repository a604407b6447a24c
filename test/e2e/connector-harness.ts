import type { Resource } from 'fhir/r4';
import {
  createTestDatabase,
  TEST_ADMIN_TOKEN,
  type StoreKind,
  type TestDatabase,
  type TestHub,
} from '@passerelle/testing';
import {
  type Connector,
  createConnector,
  type CycleHooks,
  loadConnectorConfig,
} from '../../apps/connector/src';
import {
  connectorEnv,
  type RegisteredAgency,
  registerConnectorAgency,
} from '../../apps/connector/src/connector.testing';
import type { AgencyServer } from '../../apps/sandbox/src';

/** What the connector e2e specs share: agencies registered at a real hub, connectors configured
 * through their environment like the deployed process. */

export const silent = process.env.CONNECTOR_E2E_LOG
  ? { log: console.log, warn: console.warn, error: console.error }
  : { log: () => undefined, warn: () => undefined, error: () => undefined };

export interface Harness {
  dir: string;
  databases: TestDatabase[];
  connectors: Connector[];
}

/** Registers the agency at the hub as an operator would (`agency add`), its key in the harness dir. */
export function registerAgency(
  h: Harness,
  hub: TestHub,
  server: Pick<AgencyServer, 'id' | 'kind' | 'identity'>,
): Promise<RegisteredAgency> {
  const { id, kind, identity } = server;
  return registerConnectorAgency(
    hub.url,
    TEST_ADMIN_TOKEN,
    { id, kind, name: identity.organization.name, identifiers: identity.organization.identifier },
    { dir: h.dir },
  );
}

/** A connector for `server`, configured through its environment like the deployed process. */
export async function startConnector(
  h: Harness,
  hub: TestHub,
  server: AgencyServer,
  key: RegisteredAgency,
  storeKind: StoreKind,
  options: { hooks?: CycleHooks; database?: TestDatabase; env?: Record<string, string> } = {},
): Promise<{ connector: Connector; database: TestDatabase }> {
  const database = options.database ?? (await createTestDatabase(storeKind));
  if (!options.database) h.databases.push(database);
  const env = connectorEnv({
    kind: server.kind,
    agencyFhirUrl: server.baseUrl,
    hubUrl: hub.url,
    agency: key,
    database: { dataDir: h.dir },
    // Small pages, so that paging and per-page cursors are exercised.
    extra: { PAGE_SIZE: '7', RETRY_BASE_DELAY_MS: '10', ...options.env },
  });
  const config = loadConnectorConfig(env);
  const connector = await createConnector(
    { ...config, state: { kind: 'database', database: database.config } },
    { logger: silent, hooks: options.hooks },
  );
  h.connectors.push(connector);
  return { connector, database };
}

export const firstIdentifier = (r: Resource) =>
  (r as { identifier?: { system?: string; value?: string }[] }).identifier?.[0];
