import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Encounter, Patient } from 'fhir/r4';
import { jwkThumbprint, type Jwks } from '@passerelle/identity';
import { startTestHub, type TestHub } from '@passerelle/testing';
import {
  BackendServicesClient,
  type ClientKey,
  SmartDiscoveryError,
  TokenRefusedError,
} from '../../apps/connector/src';
import { fetchAll, type RegisteredAgency } from '../../apps/connector/src/connector.testing';
import { type AgencyServer, startAgencyServer } from '../../apps/sandbox/src';
import { defaultAgencies } from '@passerelle/synthetic';

import { type Harness, registerAgency, startConnector } from './connector-harness';

/**
 * Connectors signing in to their agency's EHR with SMART Backend Services, as Epic or Oracle
 * Health ask: the agency servers (the sandbox in its smart-backend mode) publish their token
 * endpoint, check each client assertion and require the token on every request. A hospital stay
 * travels to the GP through two such servers and a real hub whose own token endpoint the
 * connectors discover too.
 */

const CLIENT_ID = 'passerelle';

function publicJwks(key: { privateKey: ClientKey['privateKey']; kid: string }): Jwks {
  const jwk = createPublicKey(key.privateKey).export({ format: 'jwk' }) as { x: string; y: string };
  return { keys: [{ kty: 'EC', crv: 'P-384', x: jwk.x, y: jwk.y, kid: key.kid, alg: 'ES384' }] };
}

describe('connectors with SMART Backend Services at their agency servers', () => {
  const h: Harness = { dir: '', databases: [], connectors: [] };
  const agencies = defaultAgencies('FR');
  let hub: TestHub;
  let hospital: AgencyServer;
  let hospitalKey: RegisteredAgency;
  let gp: AgencyServer;
  let gpKey: RegisteredAgency;
  /** The test's own client at the agency servers, to read and write as their users would. */
  const tester = (() => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    return { privateKey, kid: jwkThumbprint(publicKey), alg: 'ES384' as const };
  })();
  const testerHeaders = async (server: AgencyServer) => {
    const tokens = new BackendServicesClient({
      server: 'agency server',
      clientId: 'tester',
      key: tester,
      scope: 'system/*.read system/*.write',
      discoveryBase: server.baseUrl,
    });
    return { authorization: `Bearer ${await tokens.token()}` };
  };
  const smartServer = (kind: 'hospital' | 'gp', key: RegisteredAgency) =>
    startAgencyServer({
      kind,
      identity: agencies[kind],
      seed: { patients: 2, agencies },
      auth: {
        type: 'smart-backend',
        clients: [
          // The connector reads what it publishes and writes what it receives, nothing else.
          { id: CLIENT_ID, jwks: publicJwks(key), scopes: ['system/*.read', 'system/*.write'] },
          { id: 'tester', jwks: publicJwks(tester) },
        ],
      },
    });

  beforeAll(async () => {
    h.dir = mkdtempSync(join(tmpdir(), 'passerelle-connector-smart-'));
    hub = await startTestHub('postgres', { env: { SYNC_POLL_INTERVAL_MS: '20' } });
    // The agencies are registered at the hub first: the key the connector signs in to the hub
    // with is the one whose public half each EHR registers (AGENCY_PRIVATE_KEY_FILE defaults to it).
    hospitalKey = await registerAgency(h, hub, {
      id: agencies.hospital.id,
      kind: 'hospital',
      identity: agencies.hospital,
    });
    gpKey = await registerAgency(h, hub, { id: agencies.gp.id, kind: 'gp', identity: agencies.gp });
    hospital = await smartServer('hospital', hospitalKey);
    gp = await smartServer('gp', gpKey);
  });

  afterAll(async () => {
    for (const c of h.connectors) await c.close();
    await hospital?.close();
    await gp?.close();
    await hub?.close();
    for (const d of h.databases) await d.drop();
    rmSync(h.dir, { recursive: true, force: true });
  });

  const smartEnv = { AGENCY_FHIR_AUTH: 'smart-backend', AGENCY_CLIENT_ID: CLIENT_ID };

  it('syncs a hospital stay to the GP, each connector signing in to its EHR once and keeping its token', async () => {
    // The servers really refuse a request without a token.
    expect((await fetch(`${hospital.baseUrl}/Patient`)).status).toBe(401);

    const gpConnector = (
      await startConnector(h, hub, gp, gpKey, 'postgres', { env: { ...smartEnv, PAGE_SIZE: '500' } })
    ).connector;
    await gpConnector.cycle.pullOnce();
    const hospitalConnector = (
      await startConnector(h, hub, hospital, hospitalKey, 'postgres', { env: smartEnv })
    ).connector;
    const pushed = await hospitalConnector.cycle.pullOnce();
    expect(pushed.byType.Patient?.accepted).toBe(2);
    // The hub's token endpoint, found through its smart-configuration.
    expect(await hospitalConnector.tokens.tokenEndpoint()).toBe(`${hub.url}/auth/token`);

    const headers = await testerHeaders(hospital);
    const [patient] = (await fetchAll(hospital.baseUrl, 'Patient', headers)) as Patient[];
    const stay: Encounter = {
      resourceType: 'Encounter',
      identifier: [{ system: `${hospital.identity.identifierSystem}/encounter`, value: 'SMART-STAY-1' }],
      status: 'finished',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      subject: { reference: `Patient/${patient.id}`, display: 'patient' },
      period: { start: '2026-11-20T08:00:00Z', end: '2026-11-24T12:00:00Z' },
    };
    const created = await fetch(`${hospital.baseUrl}/Encounter`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(stay),
    });
    expect(created.status).toBe(201);
    expect((await hospitalConnector.cycle.pullOnce()).byType.Encounter?.accepted).toBe(1);

    // Routing runs in the hub's background: apply until the stay has arrived (bounded).
    const gpHeaders = await testerHeaders(gp);
    const arrived = async () =>
      ((await fetchAll(gp.baseUrl, 'Encounter', gpHeaders)) as Encounter[]).find(
        (e) => e.identifier?.[0]?.value === 'SMART-STAY-1',
      );
    for (let i = 0; i < 200 && !(await arrived()); i++) {
      await gpConnector.cycle.applyOnce();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await arrived()).toBeDefined();

    // Many requests over several cycles, one token each: the cache holds until shortly before expiry.
    expect(hospitalConnector.agencyTokens?.exchanges).toBe(1);
    expect(gpConnector.agencyTokens?.exchanges).toBe(1);
    expect(hospitalConnector.tokens.exchanges).toBe(1);
  });

  it("is refused with a clear error when its key is not registered at the agency's server", async () => {
    const stranger = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const file = join(h.dir, 'unregistered.pem');
    writeFileSync(file, stranger.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    const { connector } = await startConnector(h, hub, hospital, hospitalKey, 'postgres', {
      env: { ...smartEnv, AGENCY_PRIVATE_KEY_FILE: file },
    });
    const error = await connector.cycle.pullOnce().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TokenRefusedError);
    const kid = jwkThumbprint(stranger.publicKey);
    expect(connector.cycle.status.snapshot().lastError).toMatchObject({
      stage: 'pull',
      message:
        'agency server: TokenRefusedError: token endpoint refused the connector: 401 invalid_client; ' +
        `is client ${CLIENT_ID} registered there with this key (kid ${kid}) and these scopes?`,
    });
    // Refused once, not retried: a refusal is a configuration problem, not a passing fault.
    expect(connector.agencyTokens?.exchanges).toBe(1);
  });

  it('says so when the agency server does not do SMART Backend Services', async () => {
    const open = await startAgencyServer({
      kind: 'hospital',
      identity: agencies.hospital,
      seed: { patients: 0 },
    });
    try {
      const { connector } = await startConnector(h, hub, open, hospitalKey, 'postgres', { env: smartEnv });
      const error = await connector.cycle.pullOnce().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SmartDiscoveryError);
      expect(connector.cycle.status.snapshot().lastError?.message).toBe(
        `agency server: SmartDiscoveryError: SMART configuration at ${open.baseUrl}/.well-known/smart-configuration: ` +
          'answered 404; does the server support SMART Backend Services?',
      );
    } finally {
      await open.close();
    }
  });
});
