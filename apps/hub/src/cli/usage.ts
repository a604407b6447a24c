/**
 * The CLI's usage. Built on demand: its parts live beside their commands, and importing those
 * loads the commands' libraries, which the demo's launcher (a process that stays up the whole
 * demo) must not hold (docs/operations.md, what to expect on a small server).
 */
export async function usage(): Promise<string> {
  const [{ AUDIT_PARTITION_USAGE }, { QUEUE_USAGE }, { ACCOUNT_USAGE }] = await Promise.all([
    import('../audit/audit-partition-cli.js'),
    import('./queue-commands.js'),
    import('./account-commands.js'),
  ]);
  return `usage: npm run cli -- <command>

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
}

/** Bad arguments: the usage is printed and the command exits 2. */
export class UsageError extends Error {
  constructor() {
    super('bad usage');
    this.name = 'UsageError';
  }
}
