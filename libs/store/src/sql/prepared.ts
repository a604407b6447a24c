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

/**
 * Distinct built statements (search shapes) prepared by this process at most. Each connection
 * keeps every one it has run, with its cached plan, for as long as it lives: the bound keeps that
 * memory small whatever queries callers invent; shapes past it run unnamed, as before.
 */
export const MAX_SHAPES = 256;
const shapes = new Map<string, string>();

/**
 * Runs a built statement (a search's: its text depends only on the query's shape, its values are
 * parameters) as a prepared statement named after its text, so that the searches a client makes
 * again and again are parsed once per connection and, where PostgreSQL finds its generic plan no
 * dearer than the custom ones (plan_cache_mode `auto`, after five executions), planned once too.
 */
export function queryShaped<T>(db: Db, text: string, values: unknown[]): Promise<T> {
  let name = shapes.get(text);
  if (name === undefined && shapes.size < MAX_SHAPES) {
    // A counter, not a hash: two texts can never share a name in this process.
    name = `store_shape_${shapes.size}`;
    shapes.set(text, name);
  }
  return name === undefined ? db.query<T>(text, values) : queryPrepared<T>(db, name, text, values);
}
