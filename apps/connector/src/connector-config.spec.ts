import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@passerelle/config';
import { jwkThumbprint } from '@passerelle/identity';
import { defaultAgencyScopes, loadConnectorConfig } from './connector-config';

const dir = mkdtempSync(join(tmpdir(), 'connector-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyFile(name: string, kind: 'ec' | 'rsa' | 'ec256' = 'ec'): string {
  const pair =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : kind === 'ec256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, name);
  writeFileSync(file, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return file;
}

const ecKey = keyFile('agency.pem');

/** The least a connector needs to start. */
const minimal = (extra: Record<string, string> = {}) => ({
  CONNECTOR_KIND: 'hospital',
  AGENCY_FHIR_URL: 'http://ehr.local/fhir/',
  HUB_URL: 'https://hub.example/',
  CLIENT_ID: 'chu-belle-rive',
  PRIVATE_KEY_FILE: ecKey,
  ...extra,
});

/** Runs the loader and returns the ConfigError it throws, so tests can read every problem. */
function problemsFor(env: Record<string, string>): string[] {
  try {
    loadConnectorConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConnectorConfig', () => {
  it('reads the minimal environment, with defaults for the rest', () => {
    const config = loadConnectorConfig(minimal());
    expect(config).toMatchObject({
      kind: 'hospital',
      http: { host: '127.0.0.1', port: 8082 },
      logLevel: 'log',
      agency: { fhirBaseUrl: 'http://ehr.local/fhir', auth: { kind: 'none' } },
      hub: { url: 'https://hub.example', clientId: 'chu-belle-rive', purposeOfUse: 'TREAT' },
      sync: {
        pollIntervalMs: 5000,
        pageSize: 100,
        maxDocumentBytes: 5 * 1024 * 1024,
        retry: { attempts: 5, baseDelayMs: 500, maxDelayMs: 30000 },
      },
      state: { kind: 'file' },
    });
    expect(config.sync.profile.publish[0]).toBe('Patient');
  });

  it('takes the key id the hub CLI registers (the key thumbprint) and the algorithm from the key', () => {
    const { hub } = loadConnectorConfig(minimal());
    expect(hub.key.alg).toBe('ES384');
    expect(hub.key.kid).toBe(jwkThumbprint(createPublicKey(hub.key.privateKey)));
    const rsa = loadConnectorConfig(minimal({ PRIVATE_KEY_FILE: keyFile('rsa.pem', 'rsa'), KEY_ID: 'k-2' }));
    expect(rsa.hub.key).toMatchObject({ alg: 'RS384', kid: 'k-2' });
  });

  it('reads basic and bearer auth for the agency server', () => {
    const basic = loadConnectorConfig(
      minimal({ AGENCY_FHIR_AUTH: 'basic', AGENCY_FHIR_USER: 'sync', AGENCY_FHIR_PASSWORD: 's3cret' }),
    );
    expect(basic.agency.auth).toEqual({ kind: 'basic', user: 'sync', password: 's3cret' });
    const bearer = loadConnectorConfig(minimal({ AGENCY_FHIR_AUTH: 'bearer', AGENCY_FHIR_TOKEN: 'abc' }));
    expect(bearer.agency.auth).toEqual({ kind: 'bearer', token: 'abc' });
  });

  it('reads SMART Backend Services for the agency server, with the agency key and profile scopes by default', () => {
    const config = loadConnectorConfig(
      minimal({
        AGENCY_FHIR_AUTH: 'smart-backend',
        AGENCY_CLIENT_ID: 'passerelle-connector',
        HUB_TOKEN_URL: 'https://hub.example/t',
      }),
    );
    const auth = config.agency.auth;
    if (auth.kind !== 'smart-backend') throw new Error('expected smart-backend');
    expect(auth).toMatchObject({
      clientId: 'passerelle-connector',
      key: { alg: 'ES384', kid: config.hub.key.kid },
    });
    expect(auth.tokenUrl).toBeUndefined();
    expect(config.hub.tokenUrl).toBe('https://hub.example/t');
    // Reads everything its references may lead to; writes only what it receives (conditions from the GP).
    expect(auth.scope.split(' ')).toEqual(
      expect.arrayContaining(['system/*.read', 'system/Condition.write']),
    );
    expect(auth.scope).not.toContain('system/Patient.write');
    expect(auth.scope).not.toContain('system/*.write');
    // A connector that receives documents writes their content as Binaries at its EHR.
    expect(defaultAgencyScopes({ publish: [], receive: ['DocumentReference'] }).split(' ')).toEqual([
      'system/*.read',
      'system/DocumentReference.write',
      'system/Binary.write',
    ]);
    expect(defaultAgencyScopes({ publish: [], receive: ['Condition'] })).not.toContain('Binary');

    const own = loadConnectorConfig(
      minimal({
        AGENCY_FHIR_AUTH: 'smart-backend',
        AGENCY_CLIENT_ID: 'c1',
        AGENCY_PRIVATE_KEY_FILE: keyFile('ehr.pem', 'rsa'),
        AGENCY_KEY_ID: 'ehr-1',
        AGENCY_FHIR_SCOPE: 'system/*.read',
        AGENCY_TOKEN_URL: 'https://auth.ehr.local/token',
      }),
    ).agency.auth;
    expect(own).toMatchObject({
      kind: 'smart-backend',
      key: { alg: 'RS384', kid: 'ehr-1' },
      scope: 'system/*.read',
      tokenUrl: 'https://auth.ehr.local/token',
    });
  });

  it('says what SMART Backend Services at the agency server lacks', () => {
    expect(problemsFor(minimal({ AGENCY_FHIR_AUTH: 'smart-backend' }))).toEqual([
      "AGENCY_CLIENT_ID is required: the client id the agency's FHIR server registered for the connector (AGENCY_FHIR_AUTH=smart-backend)",
    ]);
    expect(
      problemsFor(
        minimal({
          AGENCY_FHIR_AUTH: 'smart-backend',
          AGENCY_CLIENT_ID: 'c1',
          AGENCY_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
          AGENCY_TOKEN_URL: 'ftp://x',
        }),
      ),
    ).toEqual([
      `AGENCY_PRIVATE_KEY_FILE ${join(dir, 'missing.pem')} cannot be read (ENOENT)`,
      'AGENCY_TOKEN_URL must use http: or https: (got ftp:)',
    ]);
    expect(
      problemsFor(
        minimal({ AGENCY_FHIR_AUTH: 'smart-backend', AGENCY_CLIENT_ID: 'c1', AGENCY_KEY_ALG: 'RS384' }),
      ),
    ).toEqual([
      'AGENCY_KEY_ALG is RS384 but PRIVATE_KEY_FILE (the agency key by default) holds a key for ES384',
    ]);
    expect(problemsFor(minimal({ AGENCY_FHIR_AUTH: 'oauth' }))[0]).toBe(
      'AGENCY_FHIR_AUTH must be one of none, basic, bearer, smart-backend (got "oauth")',
    );
  });

  it('uses PostgreSQL for cursors when DATABASE_URL is set', () => {
    const config = loadConnectorConfig(minimal({ DATABASE_URL: 'postgres://u:p@db/connector' }));
    expect(config.state).toEqual({
      kind: 'database',
      database: { kind: 'postgres', url: 'postgres://u:p@db/connector', poolSize: 2 },
    });
  });

  it('replaces a profile list by the one given, in push order', () => {
    const config = loadConnectorConfig(
      minimal({ PUBLISH_TYPES: 'DocumentReference, Patient,Encounter', RECEIVE_TYPES: 'none' }),
    );
    expect(config.sync.profile).toEqual({
      publish: ['Patient', 'Encounter', 'DocumentReference'],
      receive: [],
    });
    expect(config.hub.scope).toBe(
      'system/Patient.cud system/Encounter.cud system/DocumentReference.cud system/Binary.cu',
    );
    expect(loadConnectorConfig(minimal({ HUB_SCOPE: 'system/*.cruds' })).hub.scope).toBe('system/*.cruds');
  });

  it('refuses to start without its kind, servers, identity and key, naming each', () => {
    expect(problemsFor({})).toEqual([
      'CONNECTOR_KIND is required: one of hospital, gp, specialist',
      "AGENCY_FHIR_URL is required: the base URL of the agency's FHIR server",
      'HUB_URL is required: the base URL of the hub',
      'CLIENT_ID is required: the agency id registered at the hub',
      'PRIVATE_KEY_FILE is required: the PEM file written by `npm run cli -- agency add`',
    ]);
  });

  it.each(['pharmacy', 'Hospital', ' gp'])('refuses the kind "%s"', (kind) => {
    expect(problemsFor(minimal({ CONNECTOR_KIND: kind }))).toEqual([
      `CONNECTOR_KIND must be one of hospital, gp, specialist (got "${kind}")`,
    ]);
  });

  it('refuses a key it cannot use, without echoing secrets', () => {
    expect(problemsFor(minimal({ PRIVATE_KEY_FILE: join(dir, 'missing.pem') }))).toEqual([
      `PRIVATE_KEY_FILE ${join(dir, 'missing.pem')} cannot be read (ENOENT)`,
    ]);
    const notPem = join(dir, 'not.pem');
    writeFileSync(notPem, 'hello');
    expect(problemsFor(minimal({ PRIVATE_KEY_FILE: notPem }))).toEqual([
      `PRIVATE_KEY_FILE ${notPem} is not a PEM private key`,
    ]);
    expect(problemsFor(minimal({ PRIVATE_KEY_FILE: keyFile('p256.pem', 'ec256') }))[0]).toMatch(/EC P-384/);
    expect(problemsFor(minimal({ KEY_ALG: 'RS384' }))).toEqual([
      'KEY_ALG is RS384 but PRIVATE_KEY_FILE holds a key for ES384',
    ]);
  });

  it('lists every problem at once', () => {
    const problems = problemsFor(
      minimal({
        CONNECTOR_KIND: 'lab',
        CONNECTOR_PORT: '70000',
        AGENCY_FHIR_URL: 'ftp://x',
        AGENCY_FHIR_AUTH: 'basic',
        PUBLISH_TYPES: 'Patient,Banana,AuditEvent',
        PURPOSE_OF_USE: 'ETREAT',
        PAGE_SIZE: '0',
      }),
    );
    expect(problems).toEqual([
      'CONNECTOR_KIND must be one of hospital, gp, specialist (got "lab")',
      'CONNECTOR_PORT must be a whole number from 0 to 65535 (got "70000")',
      'AGENCY_FHIR_URL must use http: or https: (got ftp:)',
      'AGENCY_FHIR_USER is required: the user name for AGENCY_FHIR_AUTH=basic',
      'AGENCY_FHIR_PASSWORD is required: the password for AGENCY_FHIR_AUTH=basic',
      expect.stringMatching(/^PURPOSE_OF_USE must be one of TREAT, /),
      'PUBLISH_TYPES: "Banana" is not a resource type the hub supports',
      'PUBLISH_TYPES: AuditEvent is written by the hub only',
      'PAGE_SIZE must be a whole number from 1 to 1000 (got "0")',
    ]);
  });
});
