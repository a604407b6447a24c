import { resolve } from 'node:path';
import {
  ConfigError,
  type DatabaseConfig,
  type Env,
  EnvReader,
  LOG_LEVEL_NAMES,
  type LogLevelName,
} from '@passerelle/config';
import { PURPOSES_OF_USE, type PurposeOfUse } from './auth/standards';
import { type AgencyAuth, readAgencyAuth } from './auth/agency-auth';
import { type ClientKey, readClientKey } from './auth/client-key';
import { type DeletionSettings, readDeletionSettings } from './sync/deletions/deletion-settings';
import {
  CONNECTOR_KINDS,
  type ConnectorKind,
  defaultScopes,
  parseTypeList,
  selectProfile,
  type SyncProfile,
} from './profiles';

export { CONNECTOR_KINDS, type ConnectorKind } from './profiles';
export { AGENCY_AUTH_KINDS, type AgencyAuth, defaultAgencyScopes } from './auth/agency-auth';
export { type ClientKey, readClientKey } from './auth/client-key';

export interface AgencyServerConfig {
  /** e.g. http://ehr.hospital.local/fhir */
  fhirBaseUrl: string;
  auth: AgencyAuth;
}

export interface HubClientConfig {
  /** e.g. https://hub.example; the FHIR API is `${url}/fhir`, the token endpoint discovered at `${url}/.well-known/smart-configuration`. */
  url: string;
  /** HUB_TOKEN_URL: the token endpoint, when discovery is to be skipped. */
  tokenUrl?: string;
  /** The agency id registered at the hub. */
  clientId: string;
  key: ClientKey;
  scope: string;
  purposeOfUse: PurposeOfUse;
}

export interface SyncSettings {
  profile: SyncProfile;
  pollIntervalMs: number;
  pageSize: number;
  /** DOCUMENT_MAX_BYTES: the largest document content (per attachment) fetched from the agency and pushed. */
  maxDocumentBytes: number;
  /** Network errors and 5xx are retried this many times within a cycle, with exponential backoff. */
  retry: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** How the agency's deletions are found, and how other agencies' are applied here. */
  deletions: DeletionSettings;
}

export interface ConnectorConfig {
  /** Which kind of agency this connector serves; it decides what the agency sends and receives. */
  kind: ConnectorKind;
  http: { host: string; port: number };
  logLevel: LogLevelName;
  agency: AgencyServerConfig;
  hub: HubClientConfig;
  sync: SyncSettings;
  /** Where the cursors are kept: PostgreSQL (DATABASE_URL), or a file under DATA_DIR. */
  state: ConnectorStateConfig;
}

/**
 * The connector's durable state (its cursors): a table in PostgreSQL, for agencies that run one,
 * or a small crash-safe file, so that a connector needs no embedded database.
 */
export type ConnectorStateConfig =
  { kind: 'database'; database: DatabaseConfig } | { kind: 'file'; dataDir: string };

export const CONNECTOR_CONFIG = Symbol('CONNECTOR_CONFIG');

/** A connector never breaks the glass: ETREAT needs a person and a reason. */
const CONNECTOR_PURPOSES = PURPOSES_OF_USE.filter((p) => p !== 'ETREAT');

function parseKind(r: EnvReader): ConnectorKind | undefined {
  const raw = r.optionalString('CONNECTOR_KIND');
  const kind = CONNECTOR_KINDS.find((k) => k === raw);
  if (kind === undefined) {
    r.problems.push(
      raw === undefined
        ? `CONNECTOR_KIND is required: one of ${CONNECTOR_KINDS.join(', ')}`
        : `CONNECTOR_KIND must be one of ${CONNECTOR_KINDS.join(', ')} (got "${raw}")`,
    );
  }
  return kind;
}

function required(r: EnvReader, name: string, what: string): string | undefined {
  const value = r.optionalString(name);
  if (value === undefined) r.problems.push(`${name} is required: ${what}`);
  return value;
}

function requiredUrl(r: EnvReader, name: string, what: string): string | undefined {
  const before = r.problems.length;
  const value = r.url(name, ['http:', 'https:']);
  if (value === undefined && r.problems.length === before) r.problems.push(`${name} is required: ${what}`);
  return value?.replace(/\/+$/, '');
}

function readTypes(r: EnvReader, name: string) {
  const raw = r.optionalString(name);
  if (raw === undefined) return undefined;
  const { types, problems } = parseTypeList(name, raw);
  r.problems.push(...problems);
  return types;
}

/**
 * Reads and validates the connector's environment; throws ConfigError listing every problem.
 * CONNECTOR_KIND has no default: a connector deployed as the wrong kind of agency would route
 * patient data wrongly, so it must be said explicitly. The private key is read here, so a
 * missing or wrong key stops the process before it starts polling.
 */
export function loadConnectorConfig(env: Env = process.env): ConnectorConfig {
  const r = new EnvReader(env);
  const kind = parseKind(r);
  const http = {
    host: r.string('HOST', '127.0.0.1'),
    // 0 lets the OS choose a free port (tests).
    port: r.int('CONNECTOR_PORT', 8082, 0, 65535),
  };
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log');
  const agencyUrl = requiredUrl(r, 'AGENCY_FHIR_URL', "the base URL of the agency's FHIR server") ?? '';
  const readAuth = readAgencyAuth(r, r.optionalString('PRIVATE_KEY_FILE'));
  const hubUrl = requiredUrl(r, 'HUB_URL', 'the base URL of the hub') ?? '';
  const clientId = required(r, 'CLIENT_ID', 'the agency id registered at the hub') ?? '';
  const keyFile = required(r, 'PRIVATE_KEY_FILE', 'the PEM file written by `npm run cli -- agency add`');
  const algRaw = r.optionalString('KEY_ALG');
  const alg = algRaw === undefined ? undefined : r.oneOf('KEY_ALG', ['ES384', 'RS384'] as const, 'ES384');
  const key =
    keyFile === undefined
      ? undefined
      : readClientKey(resolve(keyFile), { kid: r.optionalString('KEY_ID'), alg });
  if (typeof key === 'string') r.problems.push(key);
  const hubTokenUrl = r.url('HUB_TOKEN_URL', ['http:', 'https:']);
  const purposeOfUse = r.oneOf('PURPOSE_OF_USE', CONNECTOR_PURPOSES, 'TREAT');
  const profile = selectProfile(kind ?? 'hospital', {
    publish: readTypes(r, 'PUBLISH_TYPES'),
    receive: readTypes(r, 'RECEIVE_TYPES'),
  });
  const agencyAuth = readAuth(profile);
  const sync: SyncSettings = {
    profile,
    pollIntervalMs: r.int('POLL_INTERVAL_MS', 5000, 50, 24 * 3600 * 1000),
    pageSize: r.int('PAGE_SIZE', 100, 1, 1000),
    // Pushed as base64 (4/3) in one transaction: keep it under the hub's BODY_LIMIT_BYTES.
    maxDocumentBytes: r.int('DOCUMENT_MAX_BYTES', 5 * 1024 * 1024, 1, 512 * 1024 * 1024),
    retry: {
      attempts: r.int('RETRY_ATTEMPTS', 5, 1, 100),
      baseDelayMs: r.int('RETRY_BASE_DELAY_MS', 500, 1, 60_000),
      maxDelayMs: r.int('RETRY_MAX_DELAY_MS', 30_000, 1, 600_000),
    },
    deletions: readDeletionSettings(r),
  };
  const databaseUrl = r.url('DATABASE_URL', ['postgres:', 'postgresql:']);
  const state: ConnectorStateConfig = databaseUrl
    ? {
        kind: 'database',
        database: { kind: 'postgres', url: databaseUrl, poolSize: r.int('DATABASE_POOL_SIZE', 2, 1, 50) },
      }
    : { kind: 'file', dataDir: resolve(r.string('DATA_DIR', './data/connector')) };
  const scope = r.string('HUB_SCOPE', defaultScopes(profile));
  r.done();
  // Unreachable once done() has passed (each is a problem); this narrows the types.
  if (kind === undefined || key === undefined || typeof key === 'string' || agencyAuth === undefined)
    throw new ConfigError(r.problems);
  return {
    kind,
    http,
    logLevel,
    agency: { fhirBaseUrl: agencyUrl, auth: agencyAuth },
    hub: {
      url: hubUrl,
      ...(hubTokenUrl !== undefined ? { tokenUrl: hubTokenUrl } : {}),
      clientId,
      key,
      scope,
      purposeOfUse,
    },
    sync,
    state,
  };
}
