import { resolve } from 'node:path';
import type { EnvReader } from '@passerelle/config';
import type { SyncProfile } from '../profiles';
import { type ClientKey, readClientKey } from './client-key';

/** How the connector authenticates to the agency's own FHIR server. */
export type AgencyAuth =
  | { kind: 'none' }
  | { kind: 'basic'; user: string; /** secret */ password: string }
  | { kind: 'bearer'; /** secret */ token: string }
  | {
      /** SMART Backend Services: a signed client assertion exchanged for short-lived tokens. */
      kind: 'smart-backend';
      /** The client id the agency's EHR gave the connector. */
      clientId: string;
      key: ClientKey;
      scope: string;
      /** AGENCY_TOKEN_URL; otherwise discovered from the server's smart-configuration. */
      tokenUrl?: string;
    };

export const AGENCY_AUTH_KINDS = ['none', 'basic', 'bearer', 'smart-backend'] as const;

/**
 * What the connector asks the agency's EHR for by default, in SMART v1 spelling (the one EHRs
 * such as Epic and Oracle Health grant to backend clients): read everything (what it publishes,
 * and the Organizations, Practitioners and other targets its references lead to), write what it
 * receives — and, with documents, the Binaries their content is written as (docs/sync.md).
 */
export function defaultAgencyScopes(profile: SyncProfile): string {
  const written: string[] = [...profile.receive];
  if (profile.receive.includes('DocumentReference')) written.push('Binary');
  return ['system/*.read', ...written.map((type) => `system/${type}.write`)].join(' ');
}

function required(r: EnvReader, name: string, what: string): string | undefined {
  const value = r.optionalString(name);
  if (value === undefined) r.problems.push(`${name} is required: ${what}`);
  return value;
}

/**
 * AGENCY_FHIR_AUTH and what each kind needs, read where the agency's settings are read (so the
 * problems are listed together); the default scope needs the sync profile, read later, so the
 * answer is completed with it. For `smart-backend` the key defaults to the one the connector
 * signs in to the hub with (PRIVATE_KEY_FILE): the agency registers its public half at its EHR,
 * as it did at the hub; AGENCY_PRIVATE_KEY_FILE sets another. Undefined when a problem was
 * recorded instead.
 */
export function readAgencyAuth(
  r: EnvReader,
  hubKeyFile: string | undefined,
): (profile: SyncProfile) => AgencyAuth | undefined {
  const kind = r.oneOf('AGENCY_FHIR_AUTH', AGENCY_AUTH_KINDS, 'none');
  switch (kind) {
    case 'none':
      return () => ({ kind });
    case 'basic': {
      const user = required(r, 'AGENCY_FHIR_USER', 'the user name for AGENCY_FHIR_AUTH=basic');
      const password = required(r, 'AGENCY_FHIR_PASSWORD', 'the password for AGENCY_FHIR_AUTH=basic');
      return () => ({ kind, user: user ?? '', password: password ?? '' });
    }
    case 'bearer': {
      const token = required(r, 'AGENCY_FHIR_TOKEN', 'the token for AGENCY_FHIR_AUTH=bearer') ?? '';
      return () => ({ kind, token });
    }
    case 'smart-backend':
      return readSmartBackend(r, hubKeyFile);
  }
}

function readSmartBackend(
  r: EnvReader,
  hubKeyFile: string | undefined,
): (profile: SyncProfile) => AgencyAuth | undefined {
  const clientId =
    required(
      r,
      'AGENCY_CLIENT_ID',
      "the client id the agency's FHIR server registered for the connector (AGENCY_FHIR_AUTH=smart-backend)",
    ) ?? '';
  const ownFile = r.optionalString('AGENCY_PRIVATE_KEY_FILE');
  const file = ownFile ?? hubKeyFile;
  const algRaw = r.optionalString('AGENCY_KEY_ALG');
  const alg =
    algRaw === undefined ? undefined : r.oneOf('AGENCY_KEY_ALG', ['ES384', 'RS384'] as const, 'ES384');
  let key: ClientKey | string | undefined;
  if (file !== undefined) {
    key = readClientKey(resolve(file), {
      kid: r.optionalString('AGENCY_KEY_ID'),
      alg,
      variables:
        ownFile !== undefined
          ? { file: 'AGENCY_PRIVATE_KEY_FILE', alg: 'AGENCY_KEY_ALG' }
          : { file: 'PRIVATE_KEY_FILE (the agency key by default)', alg: 'AGENCY_KEY_ALG' },
    });
    if (typeof key === 'string') r.problems.push(key);
  }
  const tokenUrl = r.url('AGENCY_TOKEN_URL', ['http:', 'https:']);
  const scope = r.optionalString('AGENCY_FHIR_SCOPE');
  return (profile) =>
    // Without a usable key a problem is listed (the reader throws at done()): nothing to return.
    typeof key !== 'object'
      ? undefined
      : {
          kind: 'smart-backend',
          clientId,
          key,
          scope: scope ?? defaultAgencyScopes(profile),
          ...(tokenUrl !== undefined ? { tokenUrl } : {}),
        };
}
