/**
 * Exit codes of every Passerelle command, so a script or an orchestrator can tell an outage from
 * a finding: 0 done; 1 anything else (bad configuration, an unexpected error); 2 bad usage.
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** The database could not be reached (refused, unknown host, timed out, the data directory locked). */
  databaseUnreachable: 3,
  /** `audit verify`: the audit trail is not whole (a record deleted, rewritten, a checkpoint forged). */
  auditChainBroken: 4,
  /** The database was migrated by a newer release than this one (the process refuses to start). */
  schemaNewerThanCode: 5,
} as const;

/** Connection-level failures of the PostgreSQL driver, and PostgreSQL refusing the connection. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // cannot_connect_now (starting up, shutting down), too_many_connections, invalid_catalog_name
  // (no such database), invalid_authorization_specification, invalid_password.
  '57P03',
  '53300',
  '3D000',
  '28000',
  '28P01',
]);

/** Whether an error says the database could not be reached at all (rather than a query failing). */
export function isDatabaseUnreachable(error: unknown): boolean {
  // Not `instanceof Error`: the driver's errors may come from another realm (a test's sandbox).
  if (typeof error !== 'object' || error === null) return false;
  const withCode = error as { code?: unknown; errors?: unknown[]; message?: unknown; cause?: unknown };
  if (typeof withCode.code === 'string' && UNREACHABLE_CODES.has(withCode.code)) return true;
  // Node's connection attempts to several addresses fail as one AggregateError.
  if (Array.isArray(withCode.errors) && withCode.errors.some((e) => isDatabaseUnreachable(e))) return true;
  const message = typeof withCode.message === 'string' ? withCode.message : '';
  if (
    /^Connection terminated|timeout expired|Could not lock the data directory|is in use by process/i.test(
      message,
    )
  )
    return true;
  return withCode.cause !== undefined && isDatabaseUnreachable(withCode.cause);
}

/**
 * The exit code for an error that stopped a process at start: the database newer than the code
 * (by the error's name, so this lib needs no store import), unreachable, or anything else.
 */
export function startupExitCode(error: unknown): number {
  if ((error as { name?: unknown } | null)?.name === 'SchemaNewerThanCodeError')
    return EXIT.schemaNewerThanCode;
  if (isDatabaseUnreachable(error)) return EXIT.databaseUnreachable;
  return EXIT.failure;
}
