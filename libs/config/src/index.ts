export { readAuditCheckpoints, type AuditCheckpointConfig } from './audit-checkpoint-config';
export { ConfigError, EnvReader, type Env } from './env';
export {
  DEFAULT_PGLITE_MEMORY,
  HUB_CONFIG,
  loadHubConfig,
  readConsent,
  readDatabase,
  readSync,
  type SyncConfig,
  type AuthConfig,
  type ConsentConfig,
  type DatabaseConfig,
  type FhirApiConfig,
  type HttpConfig,
  type HubConfig,
  type PgliteMemory,
} from './hub-config';
export {
  exitWithHelpIfAsked,
  LOG_LEVEL_NAMES,
  loadConfigOrExit,
  nestLogLevels,
  type LogLevelName,
} from './startup';
export {
  describeFixes,
  PrivatePathError,
  securePrivateTrees,
  type PrivateTree,
  type PrivateTreeReport,
} from './private-paths';
export { MIN_OPERATOR_CREDENTIAL_LENGTH, operatorCredentialProblem } from './operator-credential';
export { readTrustProxy } from './trust-proxy';
export { EXIT, isDatabaseUnreachable, startupExitCode } from './exit-codes';
export { readOidc, type OidcConfig } from './oidc-config';
export {
  defaultOutputDir,
  type LetterSenderConfig,
  loadMailroomConfig,
  MAILROOM_DEFAULTS,
  type MailroomConfig,
  readMailroom,
} from './mailroom-config';
export { DataDirLock } from './data-dir-lock';
export { NODE_FLAGS } from './node-flags';
