import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import {
  DataDirLock,
  type DatabaseConfig,
  DEFAULT_PGLITE_MEMORY,
  type PgliteMemory,
  securePrivateTrees,
} from '@passerelle/config';
import { DataSource, type DataSourceOptions, type MigrationInterface } from 'typeorm';
import { ResourceVersionEntity } from './entities/resource-version.entity';
import { ResourceEntity } from './entities/resource.entity';
import { MIGRATIONS } from './migrations';
import { refuseNewerSchema } from './migration-state';
import { createDataDirIfNew } from './pglite-initdb';

/**
 * The tables a lib owns: its entities and its committed migrations. An app opens the database
 * with the schemas of the libs it uses; TypeORM orders all migrations by their timestamp.
 */
export interface Schema {
  // Entity classes (TypeORM takes any constructor).
  entities: (new () => object)[];
  migrations: (new () => MigrationInterface)[];
}

export const STORE_SCHEMA: Schema = {
  entities: [ResourceEntity, ResourceVersionEntity],
  migrations: MIGRATIONS,
};

export interface OpenDatabase {
  dataSource: DataSource;
  kind: DatabaseConfig['kind'];
  close(): Promise<void>;
}

/** Key of the advisory lock that keeps two hubs starting together from migrating at once. */
const MIGRATION_LOCK_KEY = 7_020_411;

function baseOptions(
  schemas: Schema[],
): Pick<DataSourceOptions, 'entities' | 'migrations' | 'synchronize' | 'logging'> {
  return {
    entities: schemas.flatMap((s) => s.entities),
    migrations: schemas.flatMap((s) => s.migrations),
    synchronize: false,
    logging: false,
  };
}

/**
 * Opens PostgreSQL or the embedded PGlite, with the same driver and the same migrations.
 * PGlite goes through its own node-postgres adapter, one connection (poolSize 1): never open a
 * second connection inside a transaction, pass the EntityManager instead.
 */
export async function openDatabase(
  config: DatabaseConfig,
  options: {
    migrate: boolean;
    schemas?: Schema[];
    /**
     * The schemas are every one the app ships (the hub, the worker): refuse a database that a
     * newer release has migrated further (SchemaNewerThanCodeError), before migrating anything.
     */
    refuseNewer?: boolean;
  },
): Promise<OpenDatabase> {
  const schemas = [STORE_SCHEMA, ...(options.schemas ?? [])];
  if (config.kind === 'postgres') {
    const dataSource = new DataSource({
      type: 'postgres',
      url: config.url,
      poolSize: config.poolSize,
      uuidExtension: 'pgcrypto',
      ...baseOptions(schemas),
    });
    await dataSource.initialize();
    try {
      if (options.refuseNewer) await refuseNewerSchema(dataSource);
      if (options.migrate) await migrateWithLock(dataSource);
    } catch (e) {
      await destroy(dataSource);
      throw e;
    }
    return { dataSource, kind: 'postgres', close: () => destroy(dataSource) };
  }

  const lock = DataDirLock.acquire(config.dataDir);
  let pglite: PGlite | undefined;
  try {
    await createDataDirIfNew(config.dataDir);
    pglite = await PGlite.create(config.dataDir, {
      startParams: pgliteStartParams(config.memory ?? DEFAULT_PGLITE_MEMORY),
    });
    open.add(pglite);
    const pg = createPgConfig(pglite);
    const dataSource = new DataSource({
      type: 'postgres',
      poolSize: 1,
      uuidExtension: 'pgcrypto',
      // The pool must never drop its one client: the PGlite connection cannot be reopened.
      extra: { connection: pg.connection, idleTimeoutMillis: 0, max: 1 },
      username: pg.user,
      password: pg.password,
      database: pg.database,
      host: pg.host,
      port: pg.port,
      ...baseOptions(schemas),
    });
    await dataSource.initialize();
    if (options.refuseNewer) await refuseNewerSchema(dataSource);
    if (options.migrate) await dataSource.runMigrations({ transaction: 'all' });
    // PGlite chmods the files it writes to its in-memory file system's mode (0666) whatever the
    // umask: narrowed once it has started and again once it has stopped, so they stay the hub
    // user's alone and the next start-up check finds nothing of its own doing to fix.
    keepPrivate(config.dataDir);
    const db = pglite;
    return {
      dataSource,
      kind: 'pglite',
      close: async () => {
        try {
          await destroy(dataSource);
          if (!db.closed) await db.close();
          keepPrivate(config.dataDir);
        } finally {
          open.delete(db);
          lock.release();
        }
      },
    };
  } catch (e) {
    await pglite?.close().catch(() => undefined);
    if (pglite) open.delete(pglite);
    lock.release();
    throw e;
  }
}

interface WasmModule {
  wasmMemory: { buffer: ArrayBuffer };
}

/** The PGlite instances this process has open: their WebAssembly memory is reported in /metrics. */
const open = new Set<PGlite>();

/**
 * Bytes of WebAssembly memory held by this process's embedded PostgreSQL (PGlite), undefined
 * on PostgreSQL. It only grows (WebAssembly memory cannot shrink): its high-water mark.
 */
export function embeddedDatabaseMemoryBytes(): number | undefined {
  if (open.size === 0) return undefined;
  let bytes = 0;
  // PGlite types its module with emscripten's types, which this project does not install.
  for (const db of open) bytes += (db.Module as unknown as WasmModule).wasmMemory.buffer.byteLength;
  return bytes;
}

/** PGlite's own start parameters, then PostgreSQL's memory settings (later `-c` wins). */
function pgliteStartParams(memory: PgliteMemory): string[] {
  return [
    ...PGlite.defaultStartParams,
    ...['-c', `shared_buffers=${memory.sharedBuffers}`],
    ...['-c', `work_mem=${memory.workMem}`],
    ...['-c', `maintenance_work_mem=${memory.maintenanceWorkMem}`],
  ];
}

function keepPrivate(dataDir: string): void {
  securePrivateTrees([{ variable: 'DATA_DIR', dir: dataDir }]);
}

async function migrateWithLock(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await dataSource.runMigrations({ transaction: 'all' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await runner.release();
  }
}

/** Idempotent: Nest's TypeORM module may already have destroyed the DataSource at shutdown. */
async function destroy(dataSource: DataSource): Promise<void> {
  if (dataSource.isInitialized) await dataSource.destroy();
}
