import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@passerelle/config';
import { loadSandboxConfig } from './sandbox-config';

describe('loadSandboxConfig', () => {
  it('defaults: three open agencies from port 8091, twenty French patients', () => {
    expect(loadSandboxConfig({})).toEqual({
      http: { host: '127.0.0.1', port: 8090 },
      agencies: {
        kinds: ['hospital', 'gp', 'specialist'],
        firstPort: 8091,
        auth: { hospital: { type: 'none' }, gp: { type: 'none' }, specialist: { type: 'none' } },
      },
      seed: { patients: 20, seed: 42, country: 'FR', resourcesPerPatient: 50 },
      logLevel: 'log',
    });
  });

  it('reads HOST, ports, agencies and seeding', () => {
    const config = loadSandboxConfig({
      HOST: '0.0.0.0',
      SANDBOX_PORT: '9002',
      SANDBOX_AGENCY_PORT: '0',
      SANDBOX_AGENCIES: 'gp, hospital',
      SANDBOX_PATIENTS: '500',
      SANDBOX_SEED: '7',
      SANDBOX_COUNTRY: 'GB',
      SANDBOX_RESOURCES_PER_PATIENT: '120',
      SANDBOX_PUBLIC_HOST: 'sandbox',
    });
    expect(config.agencies.publicHost).toBe('sandbox');
    expect(config.http).toEqual({ host: '0.0.0.0', port: 9002 });
    expect(config.agencies.kinds).toEqual(['gp', 'hospital']);
    expect(config.agencies.firstPort).toBe(0);
    expect(config.seed).toEqual({ patients: 500, seed: 7, country: 'GB', resourcesPerPatient: 120 });
  });

  it('reads auth for all agencies, overridden per kind', () => {
    const { auth } = loadSandboxConfig({
      SANDBOX_AUTH: 'basic',
      SANDBOX_USER: 'agency',
      SANDBOX_PASSWORD: 'pw',
      SANDBOX_GP_PASSWORD: 'gp-pw',
      SANDBOX_SPECIALIST_AUTH: 'bearer',
      SANDBOX_SPECIALIST_TOKEN: 'tok',
    }).agencies;
    expect(auth).toEqual({
      hospital: { type: 'basic', username: 'agency', password: 'pw' },
      gp: { type: 'basic', username: 'agency', password: 'gp-pw' },
      specialist: { type: 'bearer', token: 'tok' },
    });
  });

  it('reads a SMART Backend Services client and its public keys, checked as the hub checks them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-config-'));
    try {
      const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      const jwk = { ...(publicKey.export({ format: 'jwk' }) as object), kid: 'k1' };
      writeFileSync(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
      writeFileSync(join(dir, 'private.json'), JSON.stringify({ keys: [{ ...jwk, d: 'secret' }] }));
      const { auth } = loadSandboxConfig({
        SANDBOX_HOSPITAL_AUTH: 'smart-backend',
        SANDBOX_HOSPITAL_CLIENT_ID: 'connector',
        SANDBOX_HOSPITAL_JWKS_FILE: join(dir, 'jwks.json'),
        SANDBOX_HOSPITAL_SCOPES: 'system/Patient.read system/Encounter.read',
      }).agencies;
      expect(auth.hospital).toEqual({
        type: 'smart-backend',
        clients: [
          {
            id: 'connector',
            jwks: { keys: [expect.objectContaining({ kty: 'EC', kid: 'k1', alg: 'ES384' })] },
            scopes: ['system/Patient.read', 'system/Encounter.read'],
          },
        ],
      });
      const problems = (env: Record<string, string>) => {
        try {
          loadSandboxConfig(env);
        } catch (e) {
          return (e as ConfigError).problems;
        }
        return [];
      };
      expect(problems({ SANDBOX_GP_AUTH: 'smart-backend' })).toEqual([
        'SANDBOX_CLIENT_ID is required when SANDBOX_GP_AUTH=smart-backend',
        'SANDBOX_JWKS_FILE is required when SANDBOX_GP_AUTH=smart-backend',
      ]);
      expect(
        problems({
          SANDBOX_GP_AUTH: 'smart-backend',
          SANDBOX_CLIENT_ID: 'c',
          SANDBOX_GP_JWKS_FILE: join(dir, 'private.json'),
        }),
      ).toEqual([
        `SANDBOX_GP_JWKS_FILE ${join(dir, 'private.json')}: Register public keys only (a private member is present) (at jwks.keys[0])`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses bad values, naming every variable', () => {
    const load = () =>
      loadSandboxConfig({
        SANDBOX_PORT: 'eighty',
        SANDBOX_AGENCIES: 'hospital,pharmacy',
        SANDBOX_HOSPITAL_AUTH: 'bearer',
        SANDBOX_GP_AUTH: 'kerberos',
      });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(/SANDBOX_PORT/);
    expect(load).toThrow(/SANDBOX_AGENCIES/);
    expect(load).toThrow(/SANDBOX_TOKEN is required when SANDBOX_HOSPITAL_AUTH=bearer/);
    expect(load).toThrow(/SANDBOX_GP_AUTH must be one of none, basic, bearer, smart-backend/);
  });
});
