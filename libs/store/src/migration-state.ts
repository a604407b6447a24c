import type { DataSource } from 'typeorm';

/** Where the database's schema stands against the migrations this code ships. */
export interface MigrationState {
  /** Migrations of this code not yet applied to the database, oldest first. */
  pending: string[];
  /** Migrations applied to the database that this code does not have, newer than all of its own. */
  newer: string[];
}

/** TypeORM's rule: a migration's timestamp is the last 13 digits of its class name. */
function timestampOf(name: string): number {
  return Number(/(\d{13})$/.exec(name)?.[1] ?? 0);
}

/** Compares the applied migrations (TypeORM's `migrations` table) with those of `dataSource`. */
export async function migrationState(dataSource: DataSource): Promise<MigrationState> {
  const known = dataSource.migrations.map((m) => m.name ?? m.constructor.name);
  const table = dataSource.options.migrationsTableName ?? 'migrations';
  const [{ exists }] = await dataSource.query<[{ exists: boolean }]>(
    `SELECT to_regclass($1) IS NOT NULL AS exists`,
    [`"${table}"`],
  );
  const applied = exists
    ? (await dataSource.query<{ name: string }[]>(`SELECT name FROM "${table}"`)).map((r) => r.name)
    : [];
  const appliedSet = new Set(applied);
  const newest = Math.max(0, ...known.map(timestampOf));
  const knownSet = new Set(known);
  return {
    pending: known.filter((name) => !appliedSet.has(name)).sort((a, b) => timestampOf(a) - timestampOf(b)),
    newer: applied
      .filter((name) => !knownSet.has(name) && timestampOf(name) > newest)
      .sort((a, b) => timestampOf(a) - timestampOf(b)),
  };
}

/** The database was migrated by a newer release: this code must not run against it. */
export class SchemaNewerThanCodeError extends Error {
  constructor(readonly newer: string[]) {
    super(
      `The database was upgraded by a newer release of Passerelle: it has ${newer.length} migration(s) this ` +
        `version does not know (${newer.join(', ')}). Run that release (or newer) against it, or restore ` +
        'a backup taken before the upgrade; this version will not start on it.',
    );
    this.name = 'SchemaNewerThanCodeError';
  }
}

/** Throws SchemaNewerThanCodeError when the database holds migrations newer than this code's. */
export async function refuseNewerSchema(dataSource: DataSource): Promise<void> {
  const { newer } = await migrationState(dataSource);
  if (newer.length > 0) throw new SchemaNewerThanCodeError(newer);
}
