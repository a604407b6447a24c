import type { Schema } from '@passerelle/store';
import type { DataSource } from 'typeorm';
import { ConnectorCursors1764450000000 } from '../migrations/1764450000000-ConnectorCursors';

/**
 * The connector's tables. A new migration is a new file added here, never an edit of an old one.
 * `connector_cursor (agency, stream, position, updated_at)`: where the connector is in each stream
 * it follows: `pull:<Type>` holds the greatest `meta.lastUpdated` the hub has accepted, `feed`
 * the hub's changes cursor; keyed by agency, so connectors of several agencies may share one
 * PostgreSQL database. Read and written in SQL (DatabaseCursorStore): no entity, so a connector
 * on the file store never loads TypeORM.
 */
export const CONNECTOR_SCHEMA: Schema = {
  entities: [],
  migrations: [ConnectorCursors1764450000000],
};

/** The stream of one pulled resource type. */
export function pullStream(type: string): string {
  return `pull:${type}`;
}

/** The hub feed's stream. */
export const FEED_STREAM = 'feed';

export interface CursorRow {
  stream: string;
  position: string;
  updatedAt: Date;
}

/**
 * Durable cursors of one agency. A cursor is written once the work before it is safe (the hub
 * accepted the push, or the local server holds the applied feed items), and `set` resolves once
 * it is durable: a crash before it means redoing work that is idempotent, never skipping any.
 * Kept in PostgreSQL (DatabaseCursorStore) or, without DATABASE_URL, in a file (FileCursorStore).
 */
export interface CursorStore {
  readonly agency: string;
  get(stream: string): Promise<string | undefined>;
  set(stream: string, position: string): Promise<void>;
  /** Forgets a stream: the next cycle starts it from the beginning (an operator's re-sync). */
  reset(stream: string): Promise<void>;
  all(): Promise<CursorRow[]>;
}

/** The cursors in the connector's table, each change its own committed statement. */
export class DatabaseCursorStore implements CursorStore {
  constructor(
    private readonly dataSource: DataSource,
    readonly agency: string,
  ) {}

  async get(stream: string): Promise<string | undefined> {
    const rows: { position: string }[] = await this.dataSource.query(
      `SELECT position FROM connector_cursor WHERE agency = $1 AND stream = $2`,
      [this.agency, stream],
    );
    return rows[0]?.position;
  }

  async set(stream: string, position: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO connector_cursor (agency, stream, position, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (agency, stream) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
      [this.agency, stream, position],
    );
  }

  /** Forgets a stream: the next cycle starts it from the beginning (an operator's re-sync). */
  async reset(stream: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM connector_cursor WHERE agency = $1 AND stream = $2`, [
      this.agency,
      stream,
    ]);
  }

  async all(): Promise<CursorRow[]> {
    const rows: { stream: string; position: string; updated_at: Date | string }[] =
      await this.dataSource.query(
        `SELECT stream, position, updated_at FROM connector_cursor WHERE agency = $1 ORDER BY stream`,
        [this.agency],
      );
    return rows.map((r) => ({ stream: r.stream, position: r.position, updatedAt: new Date(r.updated_at) }));
  }
}
