import 'reflect-metadata';
import { ConfigError, loadHubConfig } from '@passerelle/config';
import { openDatabase } from '../data-source';

/** `node dist/libs/store/src/cli/migrate.js run|revert` on DATABASE_URL, or on PGlite in DATA_DIR. */
async function main(): Promise<void> {
  const action = process.argv[2];
  if (action !== 'run' && action !== 'revert') {
    console.error('usage: migrate run|revert');
    process.exit(2);
  }
  const config = loadHubConfig(process.env);
  const db = await openDatabase(config.database, { migrate: false });
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

main().catch((e: unknown) => {
  console.error(
    e instanceof ConfigError ? e.message : `migration failed: ${e instanceof Error ? e.message : String(e)}`,
  );
  process.exit(1);
});
