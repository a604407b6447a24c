import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import type { Language, LetterKind } from '@passerelle/letters';
import {
  type Held,
  type HeldReason,
  type LetterStatus,
  type LetterView,
  MailroomError,
  type Page,
} from './mailroom.types';

/** The `letter` table: every statement on it, so status changes are guarded in one place. */

export interface LetterRow {
  id: string;
  reference: string;
  patient_id: string;
  kind: LetterKind;
  dedupe_key: string;
  status: LetterStatus;
  held_reason: HeldReason | null;
  held_message: string | null;
  language: Language;
  large_print: boolean;
  run_id: string | null;
  pages: number | null;
  address_patient_id: string | null;
  address_fingerprint: string | null;
  communication_id: string | null;
  details: LetterDetails;
  created_at: Date;
  updated_at: Date;
  returned_at: Date | null;
}

/** Ids and dates only: what the letter is about is read again from them when it is rendered. */
export interface LetterDetails {
  /** break-glass, consent-change: the patient_notification row. */
  notificationId?: string;
  /** consent-form-recorded: the consent_form row whose choices it confirms. */
  formId?: string;
  /** access-report: the period, ISO instants, [start, end). */
  start?: string;
  end?: string;
  /** appointment: `Appointment/<id>` or `ServiceRequest/<id>`, the version written, what changed. */
  appointment?: string;
  version?: string;
  change?: 'booked' | 'moved' | 'cancelled';
  /** appointment, moved: the time the patient was told before (ISO instant). */
  previousStart?: string;
  /** medicines: the day of the first change (letter time zone), the hospital whose stay ended. */
  day?: string;
  discharge?: string;
  /** medicines, once rendered: what it listed (reference, version, fingerprint of what it said). */
  listed?: ListedMedicine[];
}

export interface ListedMedicine {
  ref: string;
  version: number;
  sig: string;
}

export interface NewLetter {
  patientId: string;
  kind: LetterKind;
  dedupeKey: string;
  details: LetterDetails;
}

/** The reference printed on a letter: 16 hex digits of its id in groups of four (A1B2-C3D4-...). */
export function letterReference(id: string): string {
  const hex = id.replace(/-/g, '').slice(0, 16).toUpperCase();
  return hex.replace(/(.{4})(?=.)/g, '$1-');
}

/** Inserts the letter unless its dedupe key exists; returns its id and whether it is new. */
export async function insertLetter(db: Db, letter: NewLetter): Promise<{ id: string; created: boolean }> {
  const id = randomUUID();
  const inserted: { id: string }[] = await db.query(
    `INSERT INTO letter (id, reference, patient_id, kind, dedupe_key, details)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    [id, letterReference(id), letter.patientId, letter.kind, letter.dedupeKey, letter.details],
  );
  if (inserted.length > 0) return { id, created: true };
  const existing: { id: string }[] = await db.query('SELECT id FROM letter WHERE dedupe_key = $1', [
    letter.dedupeKey,
  ]);
  return { id: existing[0].id, created: false };
}

export async function findLetter(db: Db, id: string, lock = false): Promise<LetterRow | undefined> {
  if (!isUuid(id)) return undefined;
  const rows: LetterRow[] = await db.query(`SELECT * FROM letter WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [
    id,
  ]);
  return rows[0];
}

export async function getLetter(db: Db, id: string, lock = false): Promise<LetterRow> {
  const row = await findLetter(db, id, lock);
  if (!row) throw new MailroomError('not-found', 'No letter with this id');
  return row;
}

/** Moves a letter on only from the statuses given; false when it was elsewhere (someone else moved it). */
export async function moveLetter(
  db: Db,
  id: string,
  from: readonly LetterStatus[],
  to: Exclude<LetterStatus, 'held'>,
  set: { language?: Language; largePrint?: boolean; communicationId?: string; runId?: string | null } = {},
): Promise<boolean> {
  const params: unknown[] = [id, [...from], to];
  const extra: string[] = [];
  const add = (column: string, value: unknown) => {
    params.push(value);
    extra.push(`${column} = $${params.length}`);
  };
  if (set.language !== undefined) add('language', set.language);
  if (set.largePrint !== undefined) add('large_print', set.largePrint);
  if (set.communicationId !== undefined) add('communication_id', set.communicationId);
  if (set.runId !== undefined) add('run_id', set.runId);
  // A CTE, so the driver returns the rows (a bare UPDATE answers [rows, count]).
  const rows: unknown[] = await db.query(
    `WITH moved AS (UPDATE letter SET status = $3, held_reason = NULL, held_message = NULL, updated_at = now()
       ${extra.map((e) => `, ${e}`).join('')}
     WHERE id = $1 AND status = ANY($2::text[]) RETURNING id) SELECT id FROM moved`,
    params,
  );
  return rows.length > 0;
}

/** Holds a letter for an operator, out of any run. */
export async function holdLetter(
  db: Db,
  id: string,
  from: readonly LetterStatus[],
  held: Held,
  set: { language?: Language; largePrint?: boolean } = {},
): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH moved AS (UPDATE letter SET status = 'held', held_reason = $3, held_message = $4, run_id = NULL,
       pages = NULL, language = COALESCE($5, language), large_print = COALESCE($6, large_print), updated_at = now()
     WHERE id = $1 AND status = ANY($2::text[]) RETURNING id) SELECT id FROM moved`,
    [id, [...from], held.reason, held.message.slice(0, 500), set.language ?? null, set.largePrint ?? null],
  );
  return rows.length > 0;
}

/** Oldest first, after the keyset position `after` ((created_at, id) of the previous batch's last). */
export async function lettersWithStatus(
  db: Db,
  status: LetterStatus,
  limit: number,
  after?: { created_at: Date; id: string },
): Promise<{ id: string; created_at: Date; updated_at: Date }[]> {
  return db.query(
    `SELECT id, created_at, updated_at FROM letter WHERE status = $1
       ${after ? 'AND (created_at, id) > ($3::timestamptz, $4::uuid)' : ''}
      ORDER BY created_at, id LIMIT $2`,
    after ? [status, limit, after.created_at.toISOString(), after.id] : [status, limit],
  );
}

/** Appointment and medicines letters still `new` (the writes that made them did not enqueue them). */
export function newCareLetters(db: Db, limit: number): Promise<{ id: string; updated_at: Date }[]> {
  return db.query(
    `SELECT id, updated_at FROM letter WHERE status = 'new' AND kind IN ('appointment', 'medicines')
      ORDER BY created_at, id LIMIT $1`,
    [limit],
  );
}

export interface LetterFilter {
  status?: LetterStatus;
  kind?: LetterKind;
  patientId?: string;
  runId?: string;
  limit: number;
  after?: string;
}

/** Oldest first (a queue to work through); keyset paging on (created_at, id). */
export async function listLetters(db: Db, filter: LetterFilter): Promise<Page<LetterView>> {
  const where: string[] = [];
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (filter.status !== undefined) where.push(`status = ${param(filter.status)}`);
  if (filter.kind !== undefined) where.push(`kind = ${param(filter.kind)}`);
  if (filter.patientId !== undefined) where.push(`patient_id = ${param(filter.patientId)}`);
  if (filter.runId !== undefined) {
    if (!isUuid(filter.runId)) return { items: [] };
    where.push(`run_id = ${param(filter.runId)}`);
  }
  if (filter.after !== undefined) {
    const [at, id] = decodeCursor(filter.after);
    where.push(`(created_at, id) > (${param(at)}::timestamptz, ${param(id)}::uuid)`);
  }
  const limit = Math.max(1, Math.min(1000, Math.floor(filter.limit)));
  const rows: LetterRow[] = await db.query(
    `SELECT * FROM letter ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at, id LIMIT ${param(limit + 1)}`,
    params,
  );
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(letterView),
    ...(rows.length > limit && last ? { next: encodeCursor(last.created_at, last.id) } : {}),
  };
}

export function letterView(row: LetterRow): LetterView {
  return {
    id: row.id,
    reference: row.reference,
    patientId: row.patient_id,
    kind: row.kind,
    status: row.status,
    ...(row.held_reason !== null ? { heldReason: row.held_reason } : {}),
    ...(row.held_message !== null ? { heldMessage: row.held_message } : {}),
    language: row.language,
    largePrint: row.large_print,
    ...(row.run_id !== null ? { runId: row.run_id } : {}),
    ...(row.pages !== null ? { pages: row.pages } : {}),
    ...(row.communication_id !== null ? { communicationId: row.communication_id } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.returned_at !== null ? { returnedAt: row.returned_at } : {}),
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string) => UUID.test(value);

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(`${at.toISOString()}|${id}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [string, string] {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (!at || !id || Number.isNaN(Date.parse(at)) || !isUuid(id))
    throw new MailroomError('invalid', 'after is not a cursor this list gave');
  return [at, id];
}
