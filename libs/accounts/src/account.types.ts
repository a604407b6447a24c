/** What an operator may do on the pages; a clinician has none of these, only their agency. */
export const OPERATOR_ROLES = ['admin', 'mailroom', 'identity-review'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];
export type AccountKind = 'operator' | 'clinician';
export type PageLanguage = 'fr' | 'en';

export interface Account {
  id: string;
  username: string;
  displayName: string;
  kind: AccountKind;
  roles: OperatorRole[];
  /** A clinician's agency (its hub id); null for an operator. */
  agency: string | null;
  /** A clinician's practitioner identifier (RPPS, GMC number, ...) as `system|value`; null for an operator. */
  practitioner: string | null;
  language: PageLanguage | null;
  disabled: boolean;
  /** Set when the account may log in through OpenID Connect: `issuer|sub`. */
  oidcSubject: string | null;
  lockedUntil: Date | null;
  createdAt: Date;
}

export type NewAccount =
  | { kind: 'operator'; username: string; displayName: string; password: string; roles: OperatorRole[] }
  | {
      kind: 'clinician';
      username: string;
      displayName: string;
      password: string;
      agency: string;
      practitioner: string;
    };

/** A refused account change, with a message a person can act on. */
export class AccountError extends Error {
  constructor(
    readonly code: 'invalid' | 'exists' | 'not-found',
    message: string,
  ) {
    super(message);
    this.name = 'AccountError';
  }
}

export function isOperatorRole(value: string): value is OperatorRole {
  return (OPERATOR_ROLES as readonly string[]).includes(value);
}
