import { Injectable } from '@nestjs/common';
import type { Account } from '@passerelle/accounts';
import { type AuditInput, AuditWriter } from '@passerelle/audit';
import { HUB_AGENCY } from '@passerelle/store';

/** What happened at the door: each becomes an AuditEvent operation of that name. */
export type LoginEvent = 'login' | 'login-failed' | 'lockout' | 'login-locked' | 'logout';
export type LoginMethod = 'password' | 'oidc';

const CLIENT: Record<LoginMethod, string> = { password: 'login-page', oidc: 'oidc-login' };

/**
 * Logins, failed logins, lockouts and logouts on the pages join the audit trail, as the other
 * operator actions do. A record names the account (`account:<username>`) when there is one, the
 * method, and the outcome: never a password, a token or a session id, and never what was typed
 * as a username that matched no account (it may be a password typed in the wrong field).
 */
@Injectable()
export class LoginAudit {
  constructor(private readonly audit: AuditWriter) {}

  async record(
    event: LoginEvent,
    /** How they proved who they are; none for a logout. */
    method: LoginMethod | undefined,
    requestId: string,
    account?: Pick<Account, 'username' | 'kind' | 'agency'>,
  ): Promise<void> {
    const success = event === 'login' || event === 'logout';
    const input: AuditInput = {
      interaction: 'operation',
      operation: event,
      action: 'E',
      outcome: success ? 'success' : 'denied',
      outcomeDesc: event,
      // A clinician acts for their agency; an operator (or nobody known) for the hub.
      agency: account?.kind === 'clinician' && account.agency ? account.agency : HUB_AGENCY,
      clientId: CLIENT[method ?? 'password'],
      ...(account ? { practitioner: `account:${account.username}` } : {}),
      requestId,
      ...(method ? { details: [{ type: 'method', value: method }] } : {}),
    };
    await this.audit.record([input]);
  }
}
