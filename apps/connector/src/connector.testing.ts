import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Bundle, Identifier, Patient, Resource } from 'fhir/r4';
import { jwkThumbprint } from '@passerelle/identity';
import type { ConnectorKind } from './profiles';

/**
 * Helpers for tests and benchmarks that run connectors against a real hub, in-process
 * (createConnector) or as child processes (`node dist/apps/connector/src/main.js` with
 * `connectorEnv`). Nothing here is used by the connector itself.
 */

export interface RegisteredAgency {
  id: string;
  privateKey: KeyObject;
  kid: string;
  /** The PEM file, mode 0600, as `npm run cli -- agency add --key-out` writes it. */
  keyFile: string;
}

/**
 * Registers an agency through the hub's admin API as an operator would: a fresh EC P-384 key
 * (kid = its thumbprint, as the CLI registers it), its scopes and its official identifiers
 * (FINESS, ODS ...), by which routing finds a patient's GP or a referral's performer.
 */
export async function registerConnectorAgency(
  hubUrl: string,
  adminToken: string,
  agency: { id: string; kind: ConnectorKind; name?: string; identifiers?: readonly Identifier[] },
  options: { dir: string; scopes?: string[] },
): Promise<RegisteredAgency> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kid = jwkThumbprint(publicKey);
  const res = await fetch(`${hubUrl}/admin/agencies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      id: agency.id,
      kind: agency.kind,
      name: agency.name ?? agency.id,
      jwks: { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES384', use: 'sig' }] },
      scopes: options.scopes ?? ['system/*.cruds'],
      identifiers: (agency.identifiers ?? [])
        .filter((i) => i.use === 'official' && i.system && i.value)
        .map(({ system, value }) => ({ system, value })),
    }),
  });
  if (res.status !== 201) throw new Error(`registering ${agency.id}: ${res.status} ${await res.text()}`);
  const keyFile = join(options.dir, `${agency.id}.private-key.pem`);
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  return { id: agency.id, privateKey, kid, keyFile };
}

/** The environment of a connector process for `agency` (see connector-config.ts for every variable). */
export function connectorEnv(options: {
  kind: ConnectorKind;
  agencyFhirUrl: string;
  hubUrl: string;
  agency: RegisteredAgency;
  /** DATA_DIR (the cursors in a file there) or DATABASE_URL (in PostgreSQL). */
  database: { dataDir: string } | { url: string };
  extra?: Record<string, string>;
}): Record<string, string> {
  return {
    CONNECTOR_KIND: options.kind,
    AGENCY_FHIR_URL: options.agencyFhirUrl,
    HUB_URL: options.hubUrl,
    CLIENT_ID: options.agency.id,
    PRIVATE_KEY_FILE: options.agency.keyFile,
    KEY_ID: options.agency.kid,
    ...('url' in options.database
      ? { DATABASE_URL: options.database.url }
      : { DATA_DIR: options.database.dataDir }),
    ...options.extra,
  };
}

/** Every resource of a type on a FHIR server, following next links (tests read what servers hold). */
export async function fetchAll(
  baseUrl: string,
  type: string,
  headers: Record<string, string> = {},
): Promise<Resource[]> {
  const out: Resource[] = [];
  let url: string | undefined = `${baseUrl}/${type}?_count=1000`;
  while (url) {
    const res = await fetch(url, { headers: { accept: 'application/fhir+json', ...headers } });
    if (res.status !== 200) throw new Error(`GET ${type}: ${res.status}`);
    const bundle = (await res.json()) as Bundle;
    out.push(...(bundle.entry ?? []).flatMap((e) => (e.resource?.resourceType === type ? [e.resource] : [])));
    url = bundle.link?.find((l) => l.relation === 'next')?.url;
  }
  return out;
}

/**
 * A stand-in agency server for what the sandbox never does: `count` patients all last updated at
 * the same instant (a bulk load), searched with `_lastUpdated=gt`, `_sort`, `_count` and, when
 * `nextLinks`, offset next links (else none, as some servers).
 */
export async function sameInstantServer(
  count: number,
  nextLinks: boolean,
  options: { system: string; instant: string },
): Promise<{ url: string; close(): Promise<void> }> {
  const patients: Patient[] = Array.from({ length: count }, (_, i) => ({
    resourceType: 'Patient',
    id: `p${i}`,
    meta: { lastUpdated: options.instant, versionId: '1' },
    identifier: [{ system: options.system, value: `B-${i}` }],
    name: [{ family: `Bulk${i}` }],
  }));
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const gt = url.searchParams.get('_lastUpdated')?.replace(/^gt/, '');
    const size = Number(url.searchParams.get('_count') ?? '50');
    const offset = Number(url.searchParams.get('_offset') ?? '0');
    const matches = patients.filter(
      (p) => gt === undefined || Date.parse(p.meta!.lastUpdated!) > Date.parse(gt),
    );
    const page = url.pathname.endsWith('/Patient') ? matches.slice(offset, offset + size) : [];
    const next = new URL(`${url.pathname}${url.search}`, origin);
    next.searchParams.set('_offset', String(offset + size));
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      link: nextLinks && offset + size < matches.length ? [{ relation: 'next', url: next.href }] : [],
      entry: page.map((resource) => ({ resource, search: { mode: 'match' } })),
    };
    res.writeHead(200, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(bundle));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: `${origin}/fhir`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
