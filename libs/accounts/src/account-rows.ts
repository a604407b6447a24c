import { type Account, isOperatorRole, type PageLanguage } from './account.types';

/** An `account` row as the database returns it. */
export interface AccountRow {
  id: string;
  username: string;
  display_name: string;
  kind: 'operator' | 'clinician';
  roles: string[];
  agency: string | null;
  practitioner: string | null;
  language: PageLanguage | null;
  disabled: boolean;
  oidc_subject: string | null;
  locked_until: Date | string | null;
  created_at: Date | string;
}

export const ACCOUNT_COLUMNS =
  'id, username, display_name, kind, roles, agency, practitioner, language, disabled, oidc_subject, locked_until, created_at';

const date = (v: Date | string): Date => (v instanceof Date ? v : new Date(v));

export function toAccount(row: AccountRow): Account {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    kind: row.kind,
    roles: row.roles.filter(isOperatorRole),
    agency: row.agency,
    practitioner: row.practitioner,
    language: row.language,
    disabled: row.disabled,
    oidcSubject: row.oidc_subject,
    lockedUntil: row.locked_until === null ? null : date(row.locked_until),
    createdAt: date(row.created_at),
  };
}
