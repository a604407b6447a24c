import { parseArgs } from 'node:util';
import { loadHubConfig } from '@passerelle/config';
import { backupDataDir, openDatabase, restoreDataDir } from '@passerelle/store';
import { HUB_SCHEMAS } from '../hub-schemas';
import { UsageError } from './usage';

export async function migrateCommand(action: string | undefined): Promise<void> {
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

export async function backupCommand(command: 'backup' | 'restore', args: string[]): Promise<void> {
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
