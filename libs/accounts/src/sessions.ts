import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNT_COLUMNS, type AccountRow, toAccount } from './account-rows';
import type { Account } from './account.types';

export interface SessionPolicy {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after login, used or not. */
  maxMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 30 * 60_000, maxMs: 12 * 3600_000 };

export interface OpenedSession {
  /** The cookie's value: given to the browser once, stored only as its hash. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface LiveSession {
  id: string;
  account: Account;
  /** Every form of the session carries it; a POST without it is refused. */
  csrfToken: string;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');
const COLUMNS = ACCOUNT_COLUMNS.split(', ')
  .map((c) => `a.${c}`)
  .join(', ');

/** True when two secrets are equal, in time that does not depend on where they differ. */
export function sameSecret(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/**
 * Login sessions in the database, so every hub instance knows them and a logout or a disabled
 * account ends them everywhere at once. The database keeps the token's SHA-256, never the token.
 */
export class SessionStore {
  private readonly policy: SessionPolicy;
  private readonly now: () => number;

  constructor(
    private readonly dataSource: DataSource,
    options: { policy?: SessionPolicy; now?: () => number } = {},
  ) {
    this.policy = options.policy ?? DEFAULT_SESSION_POLICY;
    this.now = options.now ?? Date.now;
  }

  async open(accountId: string): Promise<OpenedSession> {
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(32).toString('base64url');
    const now = new Date(this.now());
    const expiresAt = new Date(now.getTime() + this.policy.maxMs);
    await this.dataSource.query(
      `INSERT INTO web_session (id, account_id, csrf_token, created_at, last_seen_at, expires_at)
       VALUES ($1, $2, $3, $4, $4, $5)`,
      [hashOf(token), accountId, csrfToken, now, expiresAt],
    );
    return { token, csrfToken, expiresAt };
  }

  /**
   * The live session of this cookie, its use recorded; undefined when there is none, it has
   * expired (idle or past its maximum) or its account is disabled.
   */
  async find(token: string | undefined): Promise<LiveSession | undefined> {
    if (!token || token.length > 128) return undefined;
    const now = new Date(this.now());
    const idleSince = new Date(now.getTime() - this.policy.idleMs);
    const rows: (AccountRow & { session_id: string; csrf_token: string })[] = await this.dataSource.query(
      `SELECT s.id AS session_id, s.csrf_token, ${COLUMNS}
       FROM web_session s JOIN account a ON a.id = s.account_id
       WHERE s.id = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND NOT a.disabled`,
      [hashOf(token), now, idleSince],
    );
    const row = rows[0];
    if (!row) return undefined;
    await this.dataSource.query(`UPDATE web_session SET last_seen_at = $2 WHERE id = $1`, [
      row.session_id,
      now,
    ]);
    return { id: row.session_id, account: toAccount(row), csrfToken: row.csrf_token };
  }

  async close(token: string | undefined): Promise<void> {
    if (!token) return;
    await this.dataSource.query(`DELETE FROM web_session WHERE id = $1`, [hashOf(token)]);
  }

  /** Ends every session of an account (new password, disabled, roles changed). */
  async closeAll(accountId: string): Promise<void> {
    await this.dataSource.query(`DELETE FROM web_session WHERE account_id = $1`, [accountId]);
  }

  /** Deletes expired sessions; returns how many. */
  async purge(): Promise<number> {
    const now = new Date(this.now());
    const [, deleted]: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM web_session WHERE expires_at <= $1 OR last_seen_at <= $2`,
      [now, new Date(now.getTime() - this.policy.idleMs)],
    );
    return deleted;
  }
}
