import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadHubConfig } from '@passerelle/config';
import { type Agency, AGENCY_KINDS, type AgencyKind } from '@passerelle/identity';
import { auditVerifyCommand } from '../audit/audit-cli';
import { HUB_SCHEMAS } from '../hub-schemas';
import { openDatabase } from '@passerelle/store';
import { ACCOUNT_USAGE, accountCommand } from './account-commands';
import { AdminClient } from './admin-client';
import { demoCommand } from './demo';
import { generateAgencyKey } from './keys';
import { QUEUE_USAGE, queueCommand } from './queue-commands';

const USAGE = `usage: npm run cli -- <command>

  agency add --id ID --kind hospital|gp|specialist --name NAME --scopes "system/*.rs ..."
             [--identifier SYSTEM|VALUE ...]          its official identifiers (FINESS, ODS, ...)
             [--alg ES384|RS384] [--key-out FILE]     register an agency and generate its key pair
  agency list                                           list agencies
  agency suspend ID | agency activate ID                refuse or allow new access tokens
  agency rotate ID [--alg ES384|RS384] [--key-out FILE] [--keep-old]
                                                        new key pair; old keys dropped unless --keep-old
  demo                                                  hub + sandbox agencies + their connectors (npm start)
  migrate run | migrate revert                          database migrations (DATABASE_URL or DATA_DIR)
  audit verify [--from SEQ] [--to SEQ]                  check the audit hash chain against the signed checkpoints
                                                        of AUDIT_CHECKPOINT_DIR (exit 1 when broken; with the
                                                        embedded hub running, use GET /admin/audit/verify)
${QUEUE_USAGE}
${ACCOUNT_USAGE}

The agency, queue and account commands call the running hub's admin API: HUB_URL (default http://127.0.0.1:$PORT)
and ADMIN_TOKEN (default: the embedded hub's DATA_DIR/admin-token).`;

function show(agency: Agency): string {
  return `${agency.id}\t${agency.kind}\t${agency.status}\t${agency.scopes.join(' ')}\t${agency.name}`;
}

async function agencyCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      id: { type: 'string' },
      kind: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      identifier: { type: 'string', multiple: true },
      alg: { type: 'string', default: 'ES384' },
      'key-out': { type: 'string' },
      'keep-old': { type: 'boolean', default: false },
    },
  });
  const [action, target] = positionals;
  const admin = AdminClient.fromEnv(process.env);
  const alg = values.alg === 'RS384' ? 'RS384' : 'ES384';
  switch (action) {
    case 'add': {
      const { id, kind, name, scopes } = values;
      if (!id || !kind || !name || !scopes || !(AGENCY_KINDS as readonly string[]).includes(kind))
        throw new Error(USAGE);
      const keyFile = values['key-out'] ?? `./${id}.private-key.pem`;
      const jwk = generateAgencyKey(alg, keyFile);
      const agency = await admin.request<Agency>('POST', '/admin/agencies', {
        id,
        kind: kind as AgencyKind,
        name,
        jwks: { keys: [jwk] },
        scopes: scopes.split(/\s+/).filter(Boolean),
        identifiers: (values.identifier ?? []).map((pair) => {
          const at = pair.lastIndexOf('|');
          return { system: pair.slice(0, at), value: pair.slice(at + 1) };
        }),
      });
      console.log(
        `${show(agency)}\nclient id: ${agency.id}\nkid: ${jwk.kid} (${alg})\nprivate key: ${keyFile} (mode 0600; the hub never sees it)`,
      );
      return;
    }
    case 'list':
      for (const agency of await admin.request<Agency[]>('GET', '/admin/agencies')) console.log(show(agency));
      return;
    case 'suspend':
    case 'activate': {
      if (!target) throw new Error(USAGE);
      const status = action === 'suspend' ? 'suspended' : 'active';
      console.log(
        show(
          await admin.request<Agency>('PATCH', `/admin/agencies/${encodeURIComponent(target)}`, { status }),
        ),
      );
      return;
    }
    case 'rotate': {
      if (!target) throw new Error(USAGE);
      const current = await admin.request<Agency>('GET', `/admin/agencies/${encodeURIComponent(target)}`);
      const keyFile = values['key-out'] ?? `./${target}.private-key.${Date.now()}.pem`;
      const jwk = generateAgencyKey(alg, keyFile);
      const keys = values['keep-old'] ? [...current.jwks.keys, jwk] : [jwk];
      await admin.request<Agency>('PATCH', `/admin/agencies/${encodeURIComponent(target)}`, {
        jwks: { keys },
      });
      console.log(
        `rotated ${target}: new kid ${jwk.kid}, private key ${keyFile}; ${keys.length} key(s) registered`,
      );
      return;
    }
    default:
      throw new Error(USAGE);
  }
}

async function migrateCommand(action: string | undefined): Promise<void> {
  if (action !== 'run' && action !== 'revert') throw new Error(USAGE);
  const config = loadHubConfig(process.env);
  const db = await openDatabase(config.database, { migrate: false, schemas: HUB_SCHEMAS });
  try {
    if (action === 'run') {
      const done = await db.dataSource.runMigrations({ transaction: 'all' });
      console.log(
        done.length === 0 ? 'No pending migrations.' : `Ran: ${done.map((m) => m.name).join(', ')}`,
      );
    } else {
      await db.dataSource.undoLastMigration({ transaction: 'all' });
      console.log('Reverted the last migration.');
    }
  } finally {
    await db.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'agency') return agencyCommand(rest);
  if (command === 'demo') return demoCommand(process.env);
  if (command === 'migrate') return migrateCommand(rest[0]);
  if (command === 'account') return accountCommand(rest, AdminClient.fromEnv(process.env), process.env);
  if (command === 'queue') return queueCommand(rest, AdminClient.fromEnv(process.env));
  if (command === 'audit' && rest[0] === 'verify') {
    process.exitCode = await auditVerifyCommand(process.env, rest.slice(1));
    return;
  }
  throw new Error(USAGE);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
