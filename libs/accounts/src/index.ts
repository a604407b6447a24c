export * from './account.types';
export { AccountService, DEFAULT_LOCKOUT, type LockoutPolicy, type LoginResult } from './account.service';
export {
  DEFAULT_SESSION_POLICY,
  sameSecret,
  SessionStore,
  type LiveSession,
  type OpenedSession,
  type SessionPolicy,
} from './sessions';
export {
  generatePassword,
  hashPassword,
  MIN_PASSWORD_LENGTH,
  passwordProblem,
  verifyPassword,
} from './passwords';
export { ACCOUNTS_SCHEMA } from './schema';
