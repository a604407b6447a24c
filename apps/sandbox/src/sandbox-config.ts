import { readFileSync } from 'node:fs';
import { type Env, EnvReader, LOG_LEVEL_NAMES, type LogLevelName } from '@passerelle/config';
import { OperationOutcomeError } from '@passerelle/fhir';
import { type Jwks, validateJwks } from '@passerelle/identity';
import type { Country } from '@passerelle/synthetic';
import { AGENCY_KINDS, type AgencyKind } from './agency-kinds';
import type { AgencyAuth } from './auth';

/** The sandbox's configuration: where it listens, which agencies, how much data, which auth. */
export interface SandboxConfig {
  /** The sandbox's own endpoint (/health, /agencies). */
  http: { host: string; port: number };
  agencies: {
    /** Host name in the agencies' base URLs (SANDBOX_PUBLIC_HOST, e.g. `sandbox` in Docker). */
    publicHost?: string;
    kinds: AgencyKind[];
    /** The first agency's port, the next ones follow (8091, 8092, 8093); 0: chosen by the system. */
    firstPort: number;
    auth: Record<AgencyKind, AgencyAuth>;
  };
  seed: { patients: number; seed: number; country: Country; resourcesPerPatient: number };
  logLevel: LogLevelName;
}

export const SANDBOX_CONFIG = Symbol('SANDBOX_CONFIG');

const AUTH_TYPES = ['none', 'basic', 'bearer', 'smart-backend'] as const;

/** Reads and validates the sandbox's environment; throws ConfigError listing every problem. */
export function loadSandboxConfig(env: Env = process.env): SandboxConfig {
  const r = new EnvReader(env);
  const config: SandboxConfig = {
    http: { host: r.string('HOST', '127.0.0.1'), port: r.int('SANDBOX_PORT', 8090, 0, 65535) },
    agencies: {
      publicHost: r.optionalString('SANDBOX_PUBLIC_HOST'),
      kinds: readKinds(r, env['SANDBOX_AGENCIES']),
      firstPort: r.int('SANDBOX_AGENCY_PORT', 8091, 0, 65533),
      auth: Object.fromEntries(AGENCY_KINDS.map((kind) => [kind, readAuth(r, env, kind)])) as Record<
        AgencyKind,
        AgencyAuth
      >,
    },
    seed: {
      patients: r.int('SANDBOX_PATIENTS', 20, 0, 100_000),
      seed: r.int('SANDBOX_SEED', 42, 0, 2 ** 31 - 1),
      country: r.oneOf('SANDBOX_COUNTRY', ['FR', 'GB'] as const, 'FR'),
      resourcesPerPatient: r.int('SANDBOX_RESOURCES_PER_PATIENT', 50, 16, 10_000),
    },
    logLevel: r.oneOf('LOG_LEVEL', LOG_LEVEL_NAMES, 'log'),
  };
  r.done();
  return config;
}

function readKinds(r: EnvReader, raw: string | undefined): AgencyKind[] {
  if (raw === undefined || raw.trim() === '') return [...AGENCY_KINDS];
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(AGENCY_KINDS as readonly string[]).includes(name));
  if (unknown.length > 0 || new Set(names).size !== names.length) {
    r.problems.push(
      `SANDBOX_AGENCIES must list distinct kinds among ${AGENCY_KINDS.join(', ')} (got "${raw}")`,
    );
    return [...AGENCY_KINDS];
  }
  return names as AgencyKind[];
}

/**
 * `SANDBOX_<KIND>_AUTH` (else `SANDBOX_AUTH`, default none), with `..._USER`/`..._PASSWORD` for
 * basic, `..._TOKEN` for bearer, `..._CLIENT_ID`, `..._JWKS_FILE` (the client's public keys) and
 * `..._SCOPES` (what it may be granted) for smart-backend, each read per kind first, then from
 * the `SANDBOX_` default.
 */
function readAuth(r: EnvReader, env: Env, kind: AgencyKind): AgencyAuth {
  const prefix = `SANDBOX_${kind.toUpperCase()}_`;
  const pick = (name: string): [string, string | undefined] => {
    const own = `${prefix}${name}`;
    if (env[own] !== undefined && env[own] !== '') return [own, env[own]];
    return [`SANDBOX_${name}`, r.optionalString(`SANDBOX_${name}`)];
  };
  const [typeName] = pick('AUTH');
  const type = r.oneOf(typeName, AUTH_TYPES, 'none');
  const required = (name: string): string => {
    const [variable, value] = pick(name);
    if (value === undefined) r.problems.push(`${variable} is required when ${typeName}=${type}`);
    return value ?? '';
  };
  switch (type) {
    case 'none':
      return { type };
    case 'basic':
      return { type, username: required('USER'), password: required('PASSWORD') };
    case 'bearer':
      return { type, token: required('TOKEN') };
    case 'smart-backend': {
      const id = required('CLIENT_ID');
      const [jwksVariable, jwksFile] = pick('JWKS_FILE');
      if (jwksFile === undefined) r.problems.push(`${jwksVariable} is required when ${typeName}=${type}`);
      const jwks = jwksFile === undefined ? undefined : readJwks(r, jwksVariable, jwksFile);
      const [, scopes] = pick('SCOPES');
      return {
        type,
        clients:
          jwks === undefined
            ? []
            : [{ id, jwks, ...(scopes !== undefined ? { scopes: scopes.split(/\s+/) } : {}) }],
      };
    }
  }
}

/** A client's registered public keys, checked as the hub checks an agency's (public RSA ≥ 2048 or EC P-384, kids). */
function readJwks(r: EnvReader, variable: string, file: string): Jwks | undefined {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    r.problems.push(`${variable} ${file} ${code !== undefined ? `cannot be read (${code})` : 'is not JSON'}`);
    return undefined;
  }
  try {
    return validateJwks(json);
  } catch (e) {
    const where = e instanceof OperationOutcomeError ? e.outcome.issue[0]?.expression : undefined;
    r.problems.push(
      `${variable} ${file}: ${(e as Error).message}${where ? ` (at ${where.join(', ')})` : ''}`,
    );
    return undefined;
  }
}
