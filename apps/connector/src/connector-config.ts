import { ConfigError, type Env, EnvReader, LOG_LEVEL_NAMES, type LogLevelName } from '@passerelle/config';

export const CONNECTOR_KINDS = ['hospital', 'gp', 'specialist'] as const;
export type ConnectorKind = (typeof CONNECTOR_KINDS)[number];

/** One connector per agency. Only what the skeleton uses: its kind, health endpoint and logging. */
export interface ConnectorConfig {
  /** Which kind of agency this connector serves; it decides what the agency sends and receives. */
  kind: ConnectorKind;
  http: { host: string; port: number };
  logLevel: LogLevelName;
}

export const CONNECTOR_CONFIG = Symbol('CONNECTOR_CONFIG');

function parseKind(raw: string | undefined): ConnectorKind | undefined {
  return CONNECTOR_KINDS.find((kind) => kind === raw);
}

/** Reads and validates the connector's environment; throws ConfigError listing every problem.
 * CONNECTOR_KIND has no default: a connector deployed as the wrong kind of agency would route
 * patient data wrongly, so it must be said explicitly. */
export function loadConnectorConfig(env: Env = process.env): ConnectorConfig {
  const r = new EnvReader(env);
  const rawKind = r.optionalString('CONNECTOR_KIND');
  const kind = parseKind(rawKind);
  if (kind === undefined) {
    r.problems.push(
      rawKind === undefined
        ? `CONNECTOR_KIND is required: one of ${CONNECTOR_KINDS.join(', ')}`
        : `CONNECTOR_KIND must be one of ${CONNECTOR_KINDS.join(', ')} (got "${rawKind}")`,
    );
  }
  const http = {
    host: r.string('HOST', '127.0.0.1'),
    // 0 lets the OS choose a free port (tests).
    port: r.int('CONNECTOR_PORT', 8082, 0, 65535),
  };
  const logLevel = r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log');
  r.done();
  // Unreachable once done() has passed (a missing kind is a problem); this narrows the type.
  if (kind === undefined) throw new ConfigError(r.problems);
  return { kind, http, logLevel };
}
