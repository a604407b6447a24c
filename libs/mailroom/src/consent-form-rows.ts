import { randomUUID } from 'node:crypto';
import type { Db } from '@passerelle/store';
import { newFormCode, type PaperConsentForm } from '@passerelle/letters';

/** The `consent_form` table: every statement on it. */

export interface ConsentFormRow {
  id: string;
  code: string;
  letter_id: string;
  patient_id: string;
  issued_at: Date;
  expires_at: Date;
  used_at: Date | null;
  consent_id: string | null;
  consent_version: number | null;
  confirmation_letter_id: string | null;
}

const DAY_MS = 86_400_000;

/**
 * The form a letter carries, made the first time the letter is rendered and the same ever after
 * (a retried run, two workers on one run: one code per letter). Until it is used, each rendering
 * gives it `validityDays` from then: a letter held and printed weeks later is not already stale.
 */
export async function issueForm(
  db: Db,
  letter: { id: string; patient_id: string },
  validityDays: number,
): Promise<PaperConsentForm> {
  const expires = new Date(Date.now() + validityDays * DAY_MS);
  for (let attempt = 0; ; attempt++) {
    try {
      const rows: { code: string; expires_at: Date }[] = await db.query(
        `INSERT INTO consent_form (id, code, letter_id, patient_id, expires_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (letter_id) DO UPDATE SET expires_at = GREATEST(consent_form.expires_at, EXCLUDED.expires_at)
           WHERE consent_form.used_at IS NULL
         RETURNING code, expires_at`,
        [randomUUID(), newFormCode(), letter.id, letter.patient_id, expires.toISOString()],
      );
      const existing: { code: string; expires_at: Date }[] =
        rows.length > 0
          ? rows
          : await db.query('SELECT code, expires_at FROM consent_form WHERE letter_id = $1', [letter.id]);
      const row = existing[0];
      return { code: row.code, expires: new Date(row.expires_at) };
    } catch (e) {
      // 60 random bits make a clash with another letter's code all but impossible; draw again.
      if (attempt < 2 && /consent_form_code_key/.test(String(e))) continue;
      throw e;
    }
  }
}

export async function formByCode(db: Db, code: string): Promise<ConsentFormRow | undefined> {
  const rows: ConsentFormRow[] = await db.query('SELECT * FROM consent_form WHERE code = $1 FOR UPDATE', [
    code,
  ]);
  return rows[0];
}

export async function formById(db: Db, id: string): Promise<ConsentFormRow | undefined> {
  const rows: ConsentFormRow[] = await db.query('SELECT * FROM consent_form WHERE id = $1', [id]);
  return rows[0];
}

/** Single use: false when the form was used meanwhile. */
export async function markFormUsed(
  db: Db,
  id: string,
  used: { consentId: string; consentVersion: number; confirmationLetterId: string },
): Promise<boolean> {
  const rows: unknown[] = await db.query(
    `WITH used AS (UPDATE consent_form SET used_at = now(), consent_id = $2, consent_version = $3,
       confirmation_letter_id = $4 WHERE id = $1 AND used_at IS NULL RETURNING id) SELECT id FROM used`,
    [id, used.consentId, used.consentVersion, used.confirmationLetterId],
  );
  return rows.length > 0;
}
