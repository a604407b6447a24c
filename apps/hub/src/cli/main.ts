import 'reflect-metadata';
import { EXIT, startupExitCode } from '@passerelle/config';
import { usage, UsageError } from './usage';

/**
 * The CLI. Each command loads its own modules when it runs (dynamic imports): `demo`, the
 * launcher of `npm start`, stays up as long as the demo and should hold only what it uses — not
 * the store, TypeORM, the identity lib and the queues that the other commands need (about 120 MB
 * of resident memory when they were all imported up front; docs/operations.md).
 */
async function main(argv: string[]): Promise<void> {
  if (argv.some((a) => a === '--help' || a === '-h') || argv[0] === 'help') {
    console.log(await usage());
    return;
  }
  const [command, ...rest] = argv;
  switch (command) {
    case 'agency':
      return (await import('./agency-commands.js')).agencyCommand(rest);
    case 'demo':
      return (await import('./demo.js')).demoCommand(process.env);
    case 'migrate':
      return (await import('./database-commands.js')).migrateCommand(rest[0]);
    case 'backup':
    case 'restore':
      return (await import('./database-commands.js')).backupCommand(command, rest);
    case 'account': {
      const [{ accountCommand }, { AdminClient }] = await Promise.all([
        import('./account-commands.js'),
        import('./admin-client.js'),
      ]);
      return accountCommand(rest, AdminClient.fromEnv(process.env), process.env);
    }
    case 'queue': {
      const [{ queueCommand }, { AdminClient }] = await Promise.all([
        import('./queue-commands.js'),
        import('./admin-client.js'),
      ]);
      return queueCommand(rest, AdminClient.fromEnv(process.env));
    }
    case 'audit':
      if (rest[0] === 'verify') {
        process.exitCode = await (
          await import('../audit/audit-cli.js')
        ).auditVerifyCommand(process.env, rest.slice(1));
        return;
      }
      if (rest[0] === 'partitions' || rest[0] === 'detach') {
        process.exitCode = await (
          await import('../audit/audit-partition-cli.js')
        ).auditPartitionCommand(process.env, rest);
        return;
      }
  }
  throw new UsageError();
}

main(process.argv.slice(2)).catch(async (e: unknown) => {
  // An option parseArgs does not know is bad usage too.
  const usageError =
    e instanceof UsageError || (e as { code?: unknown }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION';
  console.error(e instanceof UsageError ? await usage() : e instanceof Error ? e.message : String(e));
  process.exit(usageError ? EXIT.usage : startupExitCode(e));
});
