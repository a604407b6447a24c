import type { Db } from './resource-sql';

/**
 * Runs a fixed statement as a named prepared statement: PostgreSQL parses and plans it once per
 * connection instead of on every call (planning a primary-key read of `resource`, with its many
 * indexes, cost twice its execution). node-postgres takes a `{ name, text }` query config, and
 * TypeORM hands it through unchanged (with its error wrapping). One name, one text, always.
 */
export function queryPrepared<T>(db: Db, name: string, text: string, values: unknown[]): Promise<T> {
  return db.query<T>({ name, text } as unknown as string, values);
}
