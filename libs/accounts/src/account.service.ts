import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { ACCOUNT_COLUMNS, type AccountRow, toAccount } from './account-rows';
import {
  type Account,
  AccountError,
  type NewAccount,
  OPERATOR_ROLES,
  type OperatorRole,
} from './account.types';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';

export interface LockoutPolicy {
  /** Failed logins in a row that lock the account. */
  maxFailures: number;
  /** How long it stays locked. */
  lockMs: number;
}

export const DEFAULT_LOCKOUT: LockoutPolicy = { maxFailures: 5, lockMs: 15 * 60_000 };

export type LoginResult =
  | { ok: true; account: Account }
  /** `locked`: too many failures, try later. `invalid`: anything else, never which part was wrong. */
  | { ok: false; reason: 'invalid' | 'locked'; account?: Account };

const USERNAME = /^[a-z0-9][a-z0-9._@-]{2,63}$/;

/** Hashed once: an unknown username costs what a known one does, so timing does not tell which exist. */
let decoyHash: Promise<string> | undefined;

/** The hub's user accounts: creation, passwords, roles, lockout. Sessions are `SessionStore`'s. */
export class AccountService {
  private readonly lockout: LockoutPolicy;
  private readonly now: () => number;

  constructor(
    private readonly dataSource: DataSource,
    options: { lockout?: LockoutPolicy; now?: () => number } = {},
  ) {
    this.lockout = options.lockout ?? DEFAULT_LOCKOUT;
    this.now = options.now ?? Date.now;
  }

  async create(input: NewAccount): Promise<Account> {
    const username = input.username.trim().toLowerCase();
    if (!USERNAME.test(username))
      throw new AccountError(
        'invalid',
        'a username has 3 to 64 of a-z, 0-9, and . _ @ -, starting with a letter or digit',
      );
    if (!input.displayName.trim()) throw new AccountError('invalid', 'a display name is required');
    const problem = passwordProblem(input.password);
    if (problem) throw new AccountError('invalid', problem);
    if (input.kind === 'operator' && input.roles.some((r) => !OPERATOR_ROLES.includes(r)))
      throw new AccountError('invalid', `roles are ${OPERATOR_ROLES.join(', ')}`);
    if (input.kind === 'clinician') {
      if (!input.practitioner.trim())
        throw new AccountError('invalid', 'a clinician needs a practitioner identifier');
      const agency: unknown[] = await this.dataSource.query(`SELECT 1 FROM agency WHERE id = $1`, [
        input.agency,
      ]);
      if (agency.length === 0) throw new AccountError('invalid', `no agency ${input.agency} is registered`);
    }
    const existing: unknown[] = await this.dataSource.query(`SELECT 1 FROM account WHERE username = $1`, [
      username,
    ]);
    if (existing.length > 0) throw new AccountError('exists', `the username ${username} is taken`);
    const rows: AccountRow[] = await this.dataSource.query(
      `INSERT INTO account (id, username, display_name, password_hash, kind, roles, agency, practitioner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${ACCOUNT_COLUMNS}`,
      [
        randomUUID(),
        username,
        input.displayName.trim(),
        await hashPassword(input.password),
        input.kind,
        input.kind === 'operator' ? [...new Set(input.roles)] : [],
        input.kind === 'clinician' ? input.agency : null,
        input.kind === 'clinician' ? input.practitioner.trim() : null,
      ],
    );
    return toAccount(rows[0]);
  }

  async list(): Promise<Account[]> {
    const rows: AccountRow[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account ORDER BY username`,
    );
    return rows.map(toAccount);
  }

  async find(username: string): Promise<Account | undefined> {
    const rows: AccountRow[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE username = $1`,
      [username.trim().toLowerCase()],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /**
   * Checks a login. Five failures in a row lock the account for a quarter of an hour (by
   * default); a locked account is refused without its password being checked; a success resets
   * the count. A disabled or unknown account is `invalid`, like a wrong password.
   */
  async login(username: string, password: string): Promise<LoginResult> {
    const rows: (AccountRow & { password_hash: string })[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS}, password_hash FROM account WHERE username = $1`,
      [username.trim().toLowerCase()],
    );
    const row = rows[0];
    if (!row) {
      decoyHash ??= hashPassword('decoy password, never anyone’s');
      await verifyPassword(password, await decoyHash);
      return { ok: false, reason: 'invalid' };
    }
    const now = new Date(this.now());
    const account = toAccount(row);
    if (account.lockedUntil && account.lockedUntil > now) return { ok: false, reason: 'locked', account };
    const matches = await verifyPassword(password, row.password_hash);
    if (matches && !account.disabled) {
      await this.dataSource.query(`UPDATE account SET failed_logins = 0, locked_until = NULL WHERE id = $1`, [
        account.id,
      ]);
      return { ok: true, account: { ...account, lockedUntil: null } };
    }
    // One statement: concurrent failures all count, and the one reaching the limit locks.
    const updated: { locked_until: Date | string | null }[] = await this.dataSource.query(
      `WITH failed AS (UPDATE account SET
         failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
         locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3::timestamptz ELSE locked_until END
       WHERE id = $1 RETURNING locked_until) SELECT locked_until FROM failed`,
      [account.id, this.lockout.maxFailures, new Date(now.getTime() + this.lockout.lockMs)],
    );
    const lockedUntil = updated[0]?.locked_until;
    const locked = lockedUntil !== null && lockedUntil !== undefined && new Date(lockedUntil) > now;
    return { ok: false, reason: locked ? 'locked' : 'invalid', account };
  }

  /** The account an OpenID Connect login names (`issuer|sub`), if one is bound to it and enabled. */
  async findByOidcSubject(subject: string): Promise<Account | undefined> {
    const rows: AccountRow[] = await this.dataSource.query(
      `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE oidc_subject = $1 AND NOT disabled`,
      [subject],
    );
    return rows[0] ? toAccount(rows[0]) : undefined;
  }

  /** Binds (or, with null, unbinds) an OpenID Connect subject, `issuer|sub`, to the account. */
  async setOidcSubject(username: string, subject: string | null): Promise<Account> {
    if (subject !== null && !/^https?:\/\/[^|\s]+\|[^\s]{1,255}$/.test(subject))
      throw new AccountError('invalid', 'an OpenID Connect subject is written issuer|sub');
    const taken =
      subject === null
        ? []
        : await this.dataSource.query<unknown[]>(
            `SELECT 1 FROM account WHERE oidc_subject = $1 AND username <> $2`,
            [subject, username.trim().toLowerCase()],
          );
    if (taken.length > 0) throw new AccountError('exists', 'this subject is bound to another account');
    return this.update(username, `oidc_subject = $2`, [subject]);
  }

  /** A new password; every session of the account ends (see SessionStore.closeAll). */
  async setPassword(username: string, password: string): Promise<Account> {
    const problem = passwordProblem(password);
    if (problem) throw new AccountError('invalid', problem);
    return this.update(username, `password_hash = $2, failed_logins = 0, locked_until = NULL`, [
      await hashPassword(password),
    ]);
  }

  async setRoles(username: string, roles: OperatorRole[]): Promise<Account> {
    const account = await this.require(username);
    if (account.kind !== 'operator') throw new AccountError('invalid', 'only an operator has roles');
    return this.update(username, `roles = $2`, [[...new Set(roles)]]);
  }

  async setDisabled(username: string, disabled: boolean): Promise<Account> {
    return this.update(username, `disabled = $2`, [disabled]);
  }

  async unlock(username: string): Promise<Account> {
    return this.update(username, `failed_logins = 0, locked_until = NULL`, []);
  }

  private async require(username: string): Promise<Account> {
    const account = await this.find(username);
    if (!account) throw new AccountError('not-found', `no account ${username}`);
    return account;
  }

  private async update(username: string, set: string, values: unknown[]): Promise<Account> {
    // A CTE, so the driver returns the rows (a bare UPDATE answers [rows, count]).
    const rows: AccountRow[] = await this.dataSource.query(
      `WITH changed AS (UPDATE account SET ${set}, updated_at = now() WHERE username = $1 RETURNING *)
       SELECT ${ACCOUNT_COLUMNS} FROM changed`,
      [username.trim().toLowerCase(), ...values],
    );
    if (!rows[0]) throw new AccountError('not-found', `no account ${username}`);
    return toAccount(rows[0]);
  }
}
