import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import { decodeCursor, encodeCursor, isUuid } from './letter-rows';
import { MailroomError, type Page, type RunStatus, type RunView } from './mailroom.types';

/**
 * The `print_run` table and the letters' moves that go with a run's. Guarded updates go through a
 * CTE so the driver returns the rows (a bare UPDATE answers [rows, count]).
 */

export interface RunRow {
  id: string;
  status: RunStatus;
  gathered: number;
  letters: number;
  held: number;
  pages: number;
  sheets: number;
  pdf_file: string | null;
  manifest_file: string | null;
  failure: string | null;
  created_at: Date;
  ready_at: Date | null;
  printed_at: Date | null;
  posted_at: Date | null;
  failed_at: Date | null;
}

/**
 * Takes up to `limit` pending letters, oldest first, into a new run; none → no run. Rows another
 * transaction is taking are skipped (SKIP LOCKED), so two operators never share a letter.
 */
export async function gatherRun(db: Db, limit: number): Promise<RunRow | undefined> {
  const pending: { id: string }[] = await db.query(
    `SELECT id FROM letter WHERE status = 'pending' ORDER BY created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
  if (pending.length === 0) return undefined;
  const id = randomUUID();
  await db.query('INSERT INTO print_run (id, gathered) VALUES ($1, $2)', [id, pending.length]);
  await db.query(
    `UPDATE letter SET status = 'in-run', run_id = $1, updated_at = now() WHERE id = ANY($2::uuid[])`,
    [id, pending.map((p) => p.id)],
  );
  return getRun(db, id);
}

export async function findRun(db: Db, id: string, lock = false): Promise<RunRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows: RunRow[] = await db.query(`SELECT * FROM print_run WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0];
}

export async function getRun(db: Db, id: string, lock = false): Promise<RunRow> {
  const row = await findRun(db, id, lock);
  if (!row) throw new MailroomError('not-found', 'No print run with this id');
  return row;
}

export async function runsWithStatus(db: Db, status: RunStatus, limit: number): Promise<string[]> {
  const rows: { id: string }[] = await db.query(
    'SELECT id FROM print_run WHERE status = $1 ORDER BY created_at, id LIMIT $2',
    [status, limit],
  );
  return rows.map((r) => r.id);
}

/** Newest first. */
export async function listRuns(
  db: Db,
  filter: { status?: RunStatus; limit: number; after?: string },
): Promise<Page<RunView>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.after !== undefined) {
    const [at, id] = decodeCursor(filter.after);
    where.push(`(created_at, id) < (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const limit = Math.max(1, Math.min(1000, Math.floor(filter.limit)));
  const rows: RunRow[] = await db.query(
    `SELECT * FROM print_run ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(runView),
    ...(rows.length > limit && last ? { next: encodeCursor(last.created_at, last.id) } : {}),
  };
}

export interface RunResult {
  letters: number;
  held: number;
  pages: number;
  sheets: number;
  pdfFile: string;
  manifestFile: string;
}

/** Ready, if still building; false when another worker finished it first. */
export async function markReady(db: Db, id: string, result: RunResult): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH moved AS (UPDATE print_run SET status = 'ready', letters = $2, held = $3, pages = $4, sheets = $5,
       pdf_file = $6, manifest_file = $7, ready_at = now()
     WHERE id = $1 AND status = 'building' RETURNING id) SELECT id FROM moved`,
    [id, result.letters, result.held, result.pages, result.sheets, result.pdfFile, result.manifestFile],
  );
  return rows.length > 0;
}

/** A run that cannot be built: its letters go back to pending, for the next run. */
export async function markFailed(db: Db, id: string, failure: string): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH moved AS (UPDATE print_run SET status = 'failed', failure = $2, failed_at = now()
     WHERE id = $1 AND status = 'building' RETURNING id) SELECT id FROM moved`,
    [id, failure.slice(0, 200)],
  );
  if (rows.length === 0) return false;
  await db.query(
    `UPDATE letter SET status = 'pending', run_id = NULL, updated_at = now() WHERE run_id = $1 AND status = 'in-run'`,
    [id],
  );
  return true;
}

export function runView(row: RunRow): RunView {
  const optional = (key: keyof RunView, value: Date | string | null) =>
    value === null ? {} : { [key]: value };
  return {
    id: row.id,
    status: row.status,
    gathered: row.gathered,
    letters: row.letters,
    held: row.held,
    pages: row.pages,
    sheets: row.sheets,
    ...optional('failure', row.failure),
    createdAt: row.created_at,
    ...optional('readyAt', row.ready_at),
    ...optional('printedAt', row.printed_at),
    ...optional('postedAt', row.posted_at),
    ...optional('failedAt', row.failed_at),
  };
}
