import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { EXIT, loadHubConfig, startupExitCode } from '@passerelle/config';
import { type Agency, AGENCY_KINDS, type AgencyKind } from '@passerelle/identity';
import { auditVerifyCommand } from '../audit/audit-cli';
import { AUDIT_PARTITION_USAGE, auditPartitionCommand } from '../audit/audit-partition-cli';
import { HUB_SCHEMAS } from '../hub-schemas';
import { backupDataDir, openDatabase, restoreDataDir } from '@passerelle/store';
import { ACCOUNT_USAGE, accountCommand } from './account-commands';
import { AdminClient } from './admin-client';
import { demoCommand } from './demo';
import { generateAgencyKey, KEY_TO_STDOUT } from './keys';
import { QUEUE_USAGE, queueCommand } from './queue-commands';

const USAGE = `usage: npm run cli -- <command>

  agency add --id ID --kind hospital|gp|specialist --name NAME --scopes "system/*.rs ..."
             [--identifier SYSTEM|VALUE ...]          its official identifiers (FINESS, ODS, ...)
             [--country XX]                           its country (ISO code; default: the hub's)
             [--alg ES384|RS384] [--key-out FILE|-]   register an agency and generate its key pair
                                                        (-: the private key to standard output)
  agency list                                           list agencies
  agency suspend ID | agency activate ID                refuse or allow new access tokens
  agency rotate ID [--alg ES384|RS384] [--key-out FILE] [--keep-old]
                                                        new key pair; old keys dropped unless --keep-old
  demo                                                  hub + sandbox agencies + their connectors (npm start)
  migrate run | migrate revert                          database migrations (DATABASE_URL or DATA_DIR)
  backup --out FILE                                     embedded default: a consistent copy of DATA_DIR (gzipped
                                                        tar, mode 0600), taken with the hub stopped; PostgreSQL:
                                                        use pg_dump (docs/operations.md, Back up)
  restore --from FILE                                   embedded default: a backup into DATA_DIR, which must be empty
  audit verify [--from SEQ] [--to SEQ]                  check the audit hash chain against the signed checkpoints
                                                        of AUDIT_CHECKPOINT_DIR (with the embedded hub running,
                                                        use GET /admin/audit/verify)
${AUDIT_PARTITION_USAGE}
${QUEUE_USAGE}
${ACCOUNT_USAGE}

The agency, queue and account commands call the running hub's admin API: HUB_URL (default http://127.0.0.1:$PORT)
and ADMIN_TOKEN (default: the embedded hub's DATA_DIR/admin-token).

Exit codes: 0 done; 1 failed; 2 bad usage; 3 database unreachable; 4 audit chain broken;
5 database migrated by a newer release. --help prints this and exits 0.`;

/** Bad arguments: the usage is printed and the command exits 2. */
class UsageError extends Error {
  constructor() {
    super(USAGE);
    this.name = 'UsageError';
  }
}

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
      country: { type: 'string' },
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
        throw new UsageError();
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
        ...(values.country ? { country: values.country } : {}),
      });
      // With the key on standard output, the report goes to standard error.
      const report = keyFile === KEY_TO_STDOUT ? console.error : console.log;
      report(
        `${show(agency)}\nclient id: ${agency.id}\nkid: ${jwk.kid} (${alg})\nprivate key: ${keyFile === KEY_TO_STDOUT ? 'standard output' : `${keyFile} (mode 0600)`}; the hub never sees it`,
      );
      return;
    }
    case 'list':
      for (const agency of await admin.request<Agency[]>('GET', '/admin/agencies')) console.log(show(agency));
      return;
    case 'suspend':
    case 'activate': {
      if (!target) throw new UsageError();
      const status = action === 'suspend' ? 'suspended' : 'active';
      console.log(
        show(
          await admin.request<Agency>('PATCH', `/admin/agencies/${encodeURIComponent(target)}`, { status }),
        ),
      );
      return;
    }
    case 'rotate': {
      if (!target) throw new UsageError();
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
      throw new UsageError();
  }
}

async function migrateCommand(action: string | undefined): Promise<void> {
  if (action !== 'run' && action !== 'revert') throw new UsageError();
  const config = loadHubConfig(process.env);
  const db = await openDatabase(config.database, { migrate: false, schemas: HUB_SCHEMAS, refuseNewer: true });
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

async function backupCommand(command: 'backup' | 'restore', args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, from: { type: 'string' } } });
  const config = loadHubConfig(process.env);
  if (config.database.kind !== 'pglite')
    throw new Error(
      `${command} is for the embedded default (DATA_DIR); with DATABASE_URL use pg_dump / pg_restore (docs/operations.md)`,
    );
  const { dataDir } = config.database;
  if (command === 'backup') {
    if (!values.out) throw new UsageError();
    const { bytes } = await backupDataDir(dataDir, values.out);
    console.log(`Backed up ${dataDir} to ${values.out} (${bytes} bytes, mode 0600).`);
  } else {
    if (!values.from) throw new UsageError();
    await restoreDataDir(values.from, dataDir);
    console.log(`Restored ${values.from} into ${dataDir}; start the hub on it.`);
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv.some((a) => a === '--help' || a === '-h') || argv[0] === 'help') {
    console.log(USAGE);
    return;
  }
  const [command, ...rest] = argv;
  if (command === 'agency') return agencyCommand(rest);
  if (command === 'demo') return demoCommand(process.env);
  if (command === 'migrate') return migrateCommand(rest[0]);
  if (command === 'backup' || command === 'restore') return backupCommand(command, rest);
  if (command === 'account') return accountCommand(rest, AdminClient.fromEnv(process.env), process.env);
  if (command === 'queue') return queueCommand(rest, AdminClient.fromEnv(process.env));
  if (command === 'audit' && rest[0] === 'verify') {
    process.exitCode = await auditVerifyCommand(process.env, rest.slice(1));
    return;
  }
  if (command === 'audit' && (rest[0] === 'partitions' || rest[0] === 'detach')) {
    process.exitCode = await auditPartitionCommand(process.env, rest);
    return;
  }
  throw new UsageError();
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  // An option parseArgs does not know is bad usage too.
  const usage = e instanceof UsageError || (e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  process.exit(usage ? EXIT.usage : startupExitCode(e));
});
