import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import { HUB_AGENCY } from '@passerelle/store';
import { letterReference } from './letter-rows';

/**
 * Episodes: the notices a patient must be told of, gathered so that one emergency, or one
 * sitting at which the sharing choices were changed, makes ONE letter.
 *
 * An episode is one person (the smallest id among the person's linked records, so notices about
 * any of their records meet), one kind (break-glass or consent change), one agency (the one that
 * used break-glass, or recorded the consent) and one day in the letters' time zone. Its notices
 * join the episode's unsent letter (new, pending or held); once that letter has joined a print
 * run (or became an online notice) the episode's later notices start a new letter: a letter is
 * never changed after it left the mailroom's hands, and a patient is not kept waiting for an
 * episode to "end".
 *
 * Concurrency: a partial unique index allows one unsent letter per episode; a notice is filed
 * with INSERT ... ON CONFLICT on it, so two workers (two processes, or two requests at once)
 * filing notices of the same episode meet on one row: the second waits for the first to commit,
 * then appends to its letter. Notices of a batch are filed in episode order, so two batches
 * never wait on each other's episodes in opposite orders.
 */

export type EpisodeKind = 'break-glass' | 'consent-change';

export interface Notice {
  id: string;
  patient_id: string;
  kind: EpisodeKind;
  dedupe_key: string;
  details: Record<string, string | undefined>;
  created_at: Date;
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** `<person>|<agency>|<YYYY-MM-DD>` in the letters' time zone. */
export function episodeOf(notice: Notice, person: string, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, dateStyle: 'short' });
    dayFormats.set(timeZone, format);
  }
  return `${person}|${notice.details.agency ?? HUB_AGENCY}|${format.format(notice.created_at)}`;
}

const UNSENT_EPISODE = `kind IN ('break-glass', 'consent-change') AND status IN ('new', 'pending', 'held')
  AND details ? 'episode'`;

/**
 * Files one notice into its episode's unsent letter, making the letter when there is none.
 * Filing the same notice again changes nothing. Returns the letter's id and whether it was made now.
 */
export async function fileNotice(
  db: Db,
  notice: Notice,
  episode: string,
): Promise<{ id: string; created: boolean }> {
  const filed: { id: string }[] = await db.query(
    `SELECT id FROM letter WHERE dedupe_key = $3
        OR (details->>'episode' = $1 AND details->'notificationIds' @> to_jsonb($2::text)) LIMIT 1`,
    [episode, notice.id, notice.dedupe_key],
  );
  if (filed.length > 0) return { id: filed[0].id, created: false };
  const id = randomUUID();
  const rows: { id: string }[] = await db.query(
    `INSERT INTO letter (id, reference, patient_id, kind, dedupe_key, details) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (kind, (details->>'episode')) WHERE ${UNSENT_EPISODE}
     DO UPDATE SET updated_at = now(),
       details = jsonb_set(letter.details, '{notificationIds}', (letter.details->'notificationIds') || to_jsonb($7::text))
     RETURNING id`,
    [
      id,
      letterReference(id),
      notice.patient_id,
      notice.kind,
      notice.dedupe_key,
      { notificationId: notice.id, notificationIds: [notice.id], episode },
      notice.id,
    ],
  );
  return { id: rows[0].id, created: rows[0].id === id };
}

/** The notices of a letter, oldest first: its episode's list, or the one notice of a letter made before episodes. */
export function noticeIds(details: { notificationId?: string; notificationIds?: string[] }): string[] {
  if (details.notificationIds && details.notificationIds.length > 0) return details.notificationIds;
  return details.notificationId ? [details.notificationId] : [];
}
