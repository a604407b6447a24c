import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { generatePassword } from '@passerelle/accounts';
import { NODE_FLAGS } from '@passerelle/config';
import { generateAgencyKey } from './keys';

/**
 * `npm start`: the whole exchange on one machine with nothing to install — the hub (embedded
 * PGlite, routing worker in its process), the sandbox's hospital, GP practice and specialist
 * clinic (seeded FHIR servers), and one connector per agency, each in its own process, as they
 * would be deployed. Agencies are registered on first start; everything is kept under DATA_DIR.
 */

const DIST = resolve(__dirname, '../../..');
const SCRIPTS = {
  hub: join(DIST, 'hub/src/main.js'),
  sandbox: join(DIST, 'sandbox/src/main.js'),
  connector: join(DIST, 'connector/src/main.js'),
};

/** What the sandbox says of its agencies (apps/sandbox's health controller). */
interface SandboxHealth {
  agencies: {
    id: string;
    kind: 'hospital' | 'gp' | 'specialist';
    baseUrl: string;
    organization: { name: string; identifiers: { system: string; value: string }[] };
  }[];
}

function start(
  name: string,
  script: string,
  env: Record<string, string>,
  children: ChildProcess[],
  nodeFlags: readonly string[] = [],
): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => console.log(`[${name}] ${line}`));
  }
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`[${name}] exited (${signal ?? code}); stopping the demo`);
    void stopAll(children);
  });
  children.push(child);
  return child;
}

async function waitFor<T>(url: string, what: string, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      if (res.ok) return (await res.json()) as T;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`${what} did not start within ${timeoutMs / 1000} s (${url})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function admin(hubUrl: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hubUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  await res.body?.cancel();
  return res.status;
}

/** Registers the agency once (its key pair under DATA_DIR/keys); later starts reuse it. */
async function ensureAgency(
  hubUrl: string,
  token: string,
  keysDir: string,
  agency: {
    id: string;
    kind: string;
    name: string;
    identifiers: { system: string; value: string }[];
    country: string;
  },
): Promise<string> {
  const keyFile = join(keysDir, `${agency.id}.private-key.pem`);
  const existing = await admin(hubUrl, token, 'GET', `/admin/agencies/${agency.id}`);
  if (existing === 200 && existsSync(keyFile)) return keyFile;
  if (existing === 200)
    throw new Error(
      `agency ${agency.id} is registered but ${keyFile} is gone: remove DATA_DIR to start afresh`,
    );
  const jwk = generateAgencyKey('ES384', keyFile);
  const created = await admin(hubUrl, token, 'POST', '/admin/agencies', {
    ...agency,
    jwks: { keys: [jwk] },
    scopes: ['system/*.cruds'],
  });
  if (created !== 201) throw new Error(`registering ${agency.id} failed (${created})`);
  return keyFile;
}

/** The demo's practitioner identifiers: an RPPS number in France, a GMC number in the UK. */
const DEMO_PRACTITIONER = {
  FR: 'urn:oid:1.2.250.1.71.4.2.1|810000000001',
  GB: 'https://fhir.hl7.org.uk/Id/gmc-number|7654321',
};

/**
 * One demo clinician (at the demo GP practice) and one demo operator, created on the first start;
 * their passwords are printed then, once: the hub keeps only their hashes.
 */
async function ensureDemoAccounts(
  hubUrl: string,
  token: string,
  gpAgency: string | undefined,
  country: 'FR' | 'GB',
): Promise<string[]> {
  const accounts = [
    ...(gpAgency
      ? [
          {
            kind: 'clinician',
            username: 'demo.clinician',
            displayName: country === 'GB' ? 'Dr Demo Clinician' : 'Dr Démo Soignante',
            agency: gpAgency,
            practitioner: DEMO_PRACTITIONER[country],
          },
        ]
      : []),
    {
      kind: 'operator',
      username: 'demo.operator',
      displayName: country === 'GB' ? 'Demo Operator' : 'Opérateur Démo',
      roles: ['admin', 'mailroom', 'identity-review'],
    },
  ];
  const lines: string[] = [];
  for (const account of accounts) {
    const password = generatePassword();
    const res = await fetch(`${hubUrl}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...account, password }),
    });
    await res.body?.cancel();
    if (res.status === 201)
      lines.push(`  ${account.username.padEnd(19)} password ${password}  (printed once, now)`);
    else if (res.status === 409)
      lines.push(
        `  ${account.username.padEnd(19)} created on an earlier start (new password: npm run cli -- account password ${account.username})`,
      );
    else throw new Error(`creating the demo account ${account.username} failed (${res.status})`);
  }
  return lines;
}

let stopping = false;
async function stopAll(children: ChildProcess[]): Promise<void> {
  if (stopping) return;
  stopping = true;
  // Connectors first (they finish their batch and keep their cursors), then the sandbox, then the hub.
  for (const child of [...children].reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  process.exit(process.exitCode ?? 0);
}

export async function demoCommand(env: NodeJS.ProcessEnv): Promise<void> {
  const data = resolve(env.DATA_DIR ?? './data');
  const hubPort = env.PORT ?? '8080';
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const sandboxPort = env.SANDBOX_PORT ?? '8090';
  const keysDir = join(data, 'keys');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const children: ChildProcess[] = [];
  process.once('SIGINT', () => void stopAll(children));
  process.once('SIGTERM', () => void stopAll(children));

  try {
    await startDemo(env, { data, hubPort, hubUrl, sandboxPort, keysDir }, children);
  } catch (error) {
    // Whatever failed (the hub too slow to start, a registration refused), what was started
    // is stopped: nothing is left running without the launcher that would stop it.
    console.error(`the demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    await stopAll(children);
  }
}

async function startDemo(
  env: NodeJS.ProcessEnv,
  where: { data: string; hubPort: string; hubUrl: string; sandboxPort: string; keysDir: string },
  children: ChildProcess[],
): Promise<void> {
  const { data, hubPort, hubUrl, sandboxPort, keysDir } = where;
  // The hub and the sandbox say only what goes wrong; the connectors show their progress.
  const quiet = { LOG_LEVEL: env.LOG_LEVEL ?? 'warn' };
  const country = env.SANDBOX_COUNTRY === 'GB' ? 'GB' : 'FR';
  // A UK demo posts its letters from the UK (no country line on UK addresses).
  const post = { LETTER_SENDER_COUNTRY: env.LETTER_SENDER_COUNTRY ?? country };
  // Each process with its heap bounded (NODE_FLAGS; docs/operations.md, what to expect on a small server).
  start(
    'hub',
    SCRIPTS.hub,
    { ...quiet, ...post, PORT: hubPort, DATA_DIR: join(data, 'hub') },
    children,
    NODE_FLAGS.hub,
  );
  start('sandbox', SCRIPTS.sandbox, { ...quiet, SANDBOX_PORT: sandboxPort }, children);
  await waitFor(`${hubUrl}/health`, 'the hub');
  const sandbox = await waitFor<SandboxHealth>(`http://127.0.0.1:${sandboxPort}/health`, 'the sandbox');
  const adminToken = env.ADMIN_TOKEN ?? readFileSync(join(data, 'hub', 'admin-token'), 'utf8').trim();

  for (const agency of sandbox.agencies) {
    const keyFile = await ensureAgency(hubUrl, adminToken, keysDir, {
      id: agency.id,
      kind: agency.kind,
      name: agency.organization.name,
      identifiers: agency.organization.identifiers,
      // Its patients' addresses are in its country (UK ones have no country line).
      country,
    });
    start(
      `connector:${agency.id}`,
      SCRIPTS.connector,
      {
        CONNECTOR_KIND: agency.kind,
        AGENCY_FHIR_URL: agency.baseUrl,
        HUB_URL: hubUrl,
        CLIENT_ID: agency.id,
        PRIVATE_KEY_FILE: keyFile,
        DATA_DIR: join(data, 'connectors', agency.id),
        POLL_INTERVAL_MS: env.POLL_INTERVAL_MS ?? '2000',
        CONNECTOR_PORT: '0',
      },
      children,
      NODE_FLAGS.connector,
    );
  }

  const accounts = await ensureDemoAccounts(
    hubUrl,
    adminToken,
    sandbox.agencies.find((a) => a.kind === 'gp')?.id,
    country,
  );

  console.log(`
Passerelle demo is running (Ctrl-C stops it; data kept in ${data}).
  pages               ${hubUrl}/  (log in; clinician: ${hubUrl}/clinician)
${accounts.join('\n')}
  hub FHIR API        ${hubUrl}/fhir  (metadata: ${hubUrl}/fhir/metadata)
  admin API + docs    ${hubUrl}/admin/docs  (operator credential: ${join(data, 'hub', 'admin-token')})
  routing status      curl -H "authorization: Bearer $(cat ${join(data, 'hub', 'admin-token')})" ${hubUrl}/admin/sync/status
  mailroom            ${hubUrl}/admin/mailroom/letters
${sandbox.agencies.map((a) => `  ${a.kind.padEnd(19)} ${a.baseUrl}  (sandbox agency "${a.id}")`).join('\n')}
Hospital encounters and documents reach the GP practice's server through the hub: e.g.
  curl "${sandbox.agencies.find((a) => a.kind === 'gp')?.baseUrl ?? ''}/Encounter?_count=5"`);
}
