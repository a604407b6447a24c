import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type * as Store from '@passerelle/store';
import type { OpenDatabase } from '@passerelle/store';
import type { ConnectorStateConfig } from '../connector-config';
import { CONNECTOR_SCHEMA, type CursorRow, type CursorStore, DatabaseCursorStore } from './cursor-store';
import { FileCursorStore } from './file-cursor-store';

/**
 * The PostgreSQL side (the store, TypeORM, PGlite: some 20 MB resident and twice that of heap) is
 * loaded only by a connector that uses it: one on the file store stays small.
 */
const databaseSide = async () => {
  const { openDatabase } = (await import('@passerelle/store')) as typeof Store;
  return { openDatabase, CONNECTOR_SCHEMA, DatabaseCursorStore };
};

/** The cursor store the config names (or one on a database the caller shares), and how to close it. */
export async function openCursorStore(
  config: ConnectorStateConfig,
  agency: string,
  shared: OpenDatabase | undefined,
): Promise<{ cursors: CursorStore; close(): Promise<void> }> {
  if (shared) {
    const { DatabaseCursorStore } = await databaseSide();
    return { cursors: new DatabaseCursorStore(shared.dataSource, agency), close: async () => {} };
  }
  if (config.kind === 'database') {
    const { openDatabase, CONNECTOR_SCHEMA, DatabaseCursorStore } = await databaseSide();
    const database = await openDatabase(config.database, { migrate: true, schemas: [CONNECTOR_SCHEMA] });
    return { cursors: new DatabaseCursorStore(database.dataSource, agency), close: () => database.close() };
  }
  // Read before the file store locks the directory: the embedded database takes the same lock.
  const initial = existsSync(FileCursorStore.pathIn(config.dataDir, agency))
    ? []
    : await embeddedCursors(config.dataDir, agency);
  const cursors = await FileCursorStore.open(config.dataDir, agency, initial);
  return { cursors, close: () => cursors.close() };
}

/**
 * The cursors an earlier version kept in an embedded database (PGlite) in the same directory, read
 * once when the cursor file is first made, so an upgraded connector carries on where it was.
 */
async function embeddedCursors(dataDir: string, agency: string): Promise<CursorRow[]> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) return [];
  const { openDatabase, CONNECTOR_SCHEMA, DatabaseCursorStore } = await databaseSide();
  const database = await openDatabase(
    { kind: 'pglite', dataDir },
    { migrate: true, schemas: [CONNECTOR_SCHEMA] },
  );
  try {
    return await new DatabaseCursorStore(database.dataSource, agency).all();
  } finally {
    await database.close();
  }
}
