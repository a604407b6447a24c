import { join, resolve } from 'node:path';
import { type Env, EnvReader } from './env';
import type { DatabaseConfig } from './hub-config';

/**
 * The mailroom's settings from the environment, validated (a bad value stops the process with
 * the variable's name): `HubConfig.mailroom` and the worker's `WorkerConfig.mailroom`.
 *
 * | variable | default | |
 * | --- | --- | --- |
 * | MAILROOM_DIR | `<DATA_DIR or ./data>/print-runs` | print-run files; one volume shared by hub and worker when they are separate processes |
 * | MAILROOM_RUN_SIZE | 1000 | most letters in one run |
 * | MAILROOM_POLL_INTERVAL_MS | 1000 | how often new notifications are read |
 * | MAILROOM_AUTO_RUN_MINUTES | (off) | gather a run this often; off: operators create runs |
 * | MAILROOM_FORM_VALID_DAYS | 90 | how long a consent letter's paper form is accepted after it is printed |
 * | MAILROOM_LATE_LETTER_DAYS | 5 | an appointment letter posted for an appointment closer than this is flagged to the agency ("letter may arrive late") |
 * | LETTER_SENDER_NAME | Passerelle | the service's name on every letter |
 * | LETTER_SENDER_ADDRESS | (none) | its postal address, lines separated by `|` |
 * | LETTER_SENDER_PHONE, LETTER_SENDER_EMAIL, LETTER_SENDER_HOURS | (none) | how to reach it |
 * | LETTER_TIME_ZONE | Europe/Paris | the time zone letters print dates in |
 */
export interface MailroomConfig {
  /** Where print-run files (PDF + CSV) are written and read back for download. */
  outputDir: string;
  /** The service's contact details, printed on every letter (the letters' `LetterSender`). */
  sender: LetterSenderConfig;
  /** Most letters in one print run. */
  runSize: number;
  /** How often new patient notifications are read. */
  pollIntervalMs: number;
  /** IANA time zone that letters print dates in. */
  timeZone: string;
  /** When set, a run is gathered this often (letters waiting); else operators create runs. */
  autoRunIntervalMs?: number;
  /** How long a consent letter's paper form is accepted after the letter is printed. */
  formValidityDays: number;
  /** An appointment closer than this by post is flagged to the agency: the letter may arrive late. */
  lateLetterDays: number;
}

export interface LetterSenderConfig {
  service: string;
  addressLines: readonly string[];
  phone?: string;
  hours?: string;
  email?: string;
}

/** The defaults of the settings above (but `outputDir`, which depends on where data lives). */
export const MAILROOM_DEFAULTS: Omit<MailroomConfig, 'outputDir' | 'autoRunIntervalMs'> = {
  sender: { service: 'Passerelle', addressLines: [] },
  runSize: 1000,
  pollIntervalMs: 1000,
  timeZone: 'Europe/Paris',
  formValidityDays: 90,
  lateLetterDays: 5,
};

/** `<DATA_DIR or ./data>/print-runs`. */
export function defaultOutputDir(dataDir: string | undefined): string {
  return join(resolve(dataDir ?? './data'), 'print-runs');
}

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the mailroom's variables into an app's reader (its problems join the app's). With the
 * embedded database, print runs default to `print-runs` beside its data directory.
 */
export function readMailroom(r: EnvReader, database?: DatabaseConfig): MailroomConfig {
  const phone = r.optionalString('LETTER_SENDER_PHONE');
  const email = r.optionalString('LETTER_SENDER_EMAIL');
  const hours = r.optionalString('LETTER_SENDER_HOURS');
  const autoRun = r.int('MAILROOM_AUTO_RUN_MINUTES', 0, 0, 7 * 24 * 60);
  const timeZone = r.string('LETTER_TIME_ZONE', MAILROOM_DEFAULTS.timeZone);
  if (!validTimeZone(timeZone))
    r.problems.push(`LETTER_TIME_ZONE must be an IANA time zone (got "${timeZone}")`);
  const config: MailroomConfig = {
    outputDir:
      r.optionalString('MAILROOM_DIR') ??
      (database?.kind === 'pglite'
        ? join(database.dataDir, 'print-runs')
        : defaultOutputDir(r.optionalString('DATA_DIR'))),
    sender: {
      service: r.string('LETTER_SENDER_NAME', MAILROOM_DEFAULTS.sender.service),
      addressLines: (r.optionalString('LETTER_SENDER_ADDRESS') ?? '')
        .split('|')
        .map((l) => l.trim())
        .filter(Boolean),
      ...(phone ? { phone } : {}),
      ...(email ? { email } : {}),
      ...(hours ? { hours } : {}),
    },
    runSize: r.int('MAILROOM_RUN_SIZE', MAILROOM_DEFAULTS.runSize, 1, 5000),
    pollIntervalMs: r.int('MAILROOM_POLL_INTERVAL_MS', MAILROOM_DEFAULTS.pollIntervalMs, 10, 600_000),
    timeZone,
    formValidityDays: r.int('MAILROOM_FORM_VALID_DAYS', MAILROOM_DEFAULTS.formValidityDays, 1, 366),
    lateLetterDays: r.int('MAILROOM_LATE_LETTER_DAYS', MAILROOM_DEFAULTS.lateLetterDays, 0, 60),
    ...(autoRun > 0 ? { autoRunIntervalMs: autoRun * 60_000 } : {}),
  };
  return config;
}

/** Reads and validates the mailroom's variables on their own; throws ConfigError listing every problem. */
export function loadMailroomConfig(env: Env, database?: DatabaseConfig): MailroomConfig {
  const r = new EnvReader(env);
  const config = readMailroom(r, database);
  r.done();
  return config;
}
