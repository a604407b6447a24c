import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataDirLock } from '@passerelle/config';
import { removeLeftovers, replaceFile } from './atomic-file';
import type { CursorRow, CursorStore } from './cursor-store';

interface CursorFile {
  format: 'passerelle-connector-cursors';
  version: 1;
  agency: string;
  cursors: Record<string, { position: string; updatedAt: string }>;
}

/**
 * The connector's cursors in one small file under its data directory, for a connector without
 * DATABASE_URL: no embedded database to load for a handful of positions. Every change replaces
 * the file whole (`replaceFile`: temporary file, fsync, rename, fsync of the directory), one
 * change at a time, and resolves once it is durable, so a cursor is "written" in the same sense
 * as the database store's committed statement: a crash leaves the previous state or the new one.
 * The directory is locked for one process, as the embedded database's is.
 */
export class FileCursorStore implements CursorStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(
    readonly agency: string,
    private readonly path: string,
    private readonly lock: DataDirLock,
    private readonly cursors: Map<string, { position: string; updatedAt: string }>,
  ) {}

  /** Where the agency's cursor file is kept in `dataDir`. */
  static pathIn(dataDir: string, agency: string): string {
    return join(dataDir, `cursors-${encodeURIComponent(agency)}.json`);
  }

  /**
   * Opens (or creates) the agency's cursor file in `dataDir`. `initial` are the cursors to start
   * from when there is no file yet (those of an earlier embedded database, say).
   */
  static async open(
    dataDir: string,
    agency: string,
    initial: readonly CursorRow[] = [],
  ): Promise<FileCursorStore> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const lock = DataDirLock.acquire(dataDir);
    try {
      const path = FileCursorStore.pathIn(dataDir, agency);
      await removeLeftovers(path);
      const read = await readCursorFile(path, agency);
      const store = new FileCursorStore(
        agency,
        path,
        lock,
        read ?? new Map<string, { position: string; updatedAt: string }>(),
      );
      if (!read && initial.length > 0) {
        for (const row of initial) {
          store.cursors.set(row.stream, { position: row.position, updatedAt: row.updatedAt.toISOString() });
        }
        await store.persist();
      }
      return store;
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  get(stream: string): Promise<string | undefined> {
    return Promise.resolve(this.cursors.get(stream)?.position);
  }

  set(stream: string, position: string): Promise<void> {
    return this.change(() => this.cursors.set(stream, { position, updatedAt: new Date().toISOString() }));
  }

  /** Forgets a stream: the next cycle starts it from the beginning (an operator's re-sync). */
  reset(stream: string): Promise<void> {
    return this.change(() => this.cursors.delete(stream));
  }

  all(): Promise<CursorRow[]> {
    return Promise.resolve(
      [...this.cursors]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([stream, c]) => ({ stream, position: c.position, updatedAt: new Date(c.updatedAt) })),
    );
  }

  /** Waits for the changes in hand to be durable, then unlocks the directory. */
  async close(): Promise<void> {
    try {
      await this.queue;
    } finally {
      this.lock.release();
    }
  }

  /**
   * Applies `edit` and writes the file, after every earlier change: the file always holds a
   * prefix of the changes, in order. A failed write fails its own call only.
   */
  private change(edit: () => void): Promise<void> {
    const done = this.queue.then(() => {
      edit();
      return this.persist();
    });
    this.queue = done.catch(() => undefined);
    return done;
  }

  private persist(): Promise<void> {
    const file: CursorFile = {
      format: 'passerelle-connector-cursors',
      version: 1,
      agency: this.agency,
      cursors: Object.fromEntries(this.cursors),
    };
    return replaceFile(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

async function readCursorFile(
  path: string,
  agency: string,
): Promise<Map<string, { position: string; updatedAt: string }> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  // Never started afresh silently: that would push and pull everything again.
  const fail = (why: string) =>
    new Error(
      `The connector's cursor file ${path} ${why}: restore it from a backup, or remove it to sync from the start`,
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw fail('is not valid JSON');
  }
  const file = parsed as Partial<CursorFile>;
  if (
    file.format !== 'passerelle-connector-cursors' ||
    file.version !== 1 ||
    typeof file.cursors !== 'object'
  )
    throw fail('is not a cursor file of this version');
  if (file.agency !== agency) throw fail(`belongs to agency ${String(file.agency)}`);
  const cursors = new Map<string, { position: string; updatedAt: string }>();
  for (const [stream, c] of Object.entries(file.cursors ?? {})) {
    if (typeof c?.position !== 'string' || typeof c.updatedAt !== 'string')
      throw fail(`has a bad entry for ${stream}`);
    cursors.set(stream, { position: c.position, updatedAt: c.updatedAt });
  }
  return cursors;
}
