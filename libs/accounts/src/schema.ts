import type { Schema } from '@passerelle/store';
import { Accounts1765620000000 } from './migrations/1765620000000-Accounts';
import { AccountOidcSubject1765620000001 } from './migrations/1765620000001-AccountOidcSubject';

/**
 * The accounts lib's tables (`account`, `web_session`), queried in SQL (no entities). Its
 * clinicians name an agency: the identity lib's schema must run with it.
 */
export const ACCOUNTS_SCHEMA: Schema = {
  entities: [],
  migrations: [Accounts1765620000000, AccountOidcSubject1765620000001],
};
