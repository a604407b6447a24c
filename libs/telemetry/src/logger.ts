import pino, { type DestinationStream, type Logger } from 'pino';

/** The levels LOG_LEVEL names (LOG_LEVEL_NAMES in @passerelle/config), as pino's. */
const PINO_LEVELS = { error: 'error', warn: 'warn', log: 'info', debug: 'debug' } as const;
export type LogLevelName = keyof typeof PINO_LEVELS;

/**
 * Fields that can hold patient data, wherever a log call might put them: request bodies and
 * query strings, FHIR resources, and the FHIR elements that carry names, identifiers, birth
 * dates, addresses and contact details. Their values are replaced, never printed. What the code
 * logs never holds them by design (messages say what happened, with ids the hub made); this is
 * the net under that rule, checked by test/e2e/log-privacy.e2e-spec.ts.
 */
const SENSITIVE_FIELDS = [
  'body',
  'query',
  'params',
  'resource',
  'resources',
  'entry',
  'patient',
  'name',
  'given',
  'family',
  'birthDate',
  'identifier',
  'address',
  'telecom',
  'text',
  'contained',
];
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.url',
  ...SENSITIVE_FIELDS,
  ...SENSITIVE_FIELDS.map((field) => `*.${field}`),
];

/**
 * One JSON object per line on standard output: `time` (ISO), `level` (its name), `service`,
 * `msg` and structured fields. LOG_LEVEL=log is pino's `info`.
 */
export function createLogger(service: string, level: LogLevelName, destination?: DestinationStream): Logger {
  return pino(
    {
      level: PINO_LEVELS[level],
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination ?? pino.destination({ fd: 1, sync: true }),
  );
}
