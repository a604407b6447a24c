import type { DatePrecision, LetterStrings } from './strings';

/** Letters are dated in the service's time zone, not the server's. */
export const DEFAULT_TIME_ZONE = 'Europe/Paris';

function valid(date: Date): boolean {
  return !Number.isNaN(date.getTime());
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Building a formatter costs far more than using one: one per locale, options and zone. */
function formatter(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** French writes the first of the month "1er". */
function ordinal(text: string, t: LetterStrings): string {
  return t.locale.startsWith('fr') ? text.replace(/^1 /, '1er ') : text;
}

/** "3 mars 2025" / "3 March 2025". */
export function formatDate(date: Date, t: LetterStrings, timeZone = DEFAULT_TIME_ZONE): string {
  if (!valid(date)) return t.unknownDate;
  return ordinal(formatter(t.locale, { dateStyle: 'long', timeZone }).format(date), t);
}

/** "3 mars 2025 à 14:32" / "3 March 2025 at 14:32". */
export function formatDateTime(date: Date, t: LetterStrings, timeZone = DEFAULT_TIME_ZONE): string {
  if (!valid(date)) return t.unknownDate;
  const text = formatter(t.locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(date);
  return ordinal(text, t);
}

/** "mardi 3 mars 2025 à 14:30" / "Tuesday 3 March 2025 at 14:30": an appointment, weekday first. */
export function formatWhen(date: Date, t: LetterStrings, timeZone = DEFAULT_TIME_ZONE): string {
  if (!valid(date)) return t.unknownDate;
  const options: Intl.DateTimeFormatOptions = {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
  };
  const text = formatter(t.locale, options).format(date);
  // French writes the first of the month "1er", after the weekday here.
  return t.locale.startsWith('fr') ? text.replace(/^(\S+) 1 /, '$1 1er ') : text;
}

/** "14:30". */
export function formatTime(date: Date, t: LetterStrings, timeZone = DEFAULT_TIME_ZONE): string {
  if (!valid(date)) return t.unknownDate;
  return formatter(t.locale, { hour: '2-digit', minute: '2-digit', timeZone }).format(date);
}

/** "03/03/2025" / "03/03/2025": for table columns. */
export function formatShortDate(date: Date, t: LetterStrings, timeZone = DEFAULT_TIME_ZONE): string {
  if (!valid(date)) return t.unknownDate;
  return formatter(t.locale, { dateStyle: 'short', timeZone }).format(date);
}

const FHIR_DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/;

/**
 * A FHIR `date` or `dateTime` as a patient reads it, at the precision it was recorded with:
 * "2024", "mars 2024", "3 mars 2024". A dateTime shows its day in the service's time zone.
 */
export function formatFhirDate(
  value: string | undefined,
  t: LetterStrings,
  timeZone = DEFAULT_TIME_ZONE,
): string {
  if (!value) return t.unknownDate;
  const partial = FHIR_DATE.exec(value);
  if (partial) {
    const [, year, month, day] = partial;
    const at = new Date(Date.UTC(Number(year), Number(month ?? 1) - 1, Number(day ?? 1)));
    if (!valid(at)) return t.unknownDate;
    if (day) return ordinal(formatter(t.locale, { dateStyle: 'long', timeZone: 'UTC' }).format(at), t);
    if (month) {
      return formatter(t.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(at);
    }
    return year;
  }
  return formatDate(new Date(value), t, timeZone);
}

/** How precisely a FHIR date was recorded: a dateTime is shown as its day. */
export function fhirDatePrecision(value: string): DatePrecision {
  const partial = FHIR_DATE.exec(value);
  if (!partial) return 'day';
  return partial[3] ? 'day' : partial[2] ? 'month' : 'year';
}

/** Plain words for a FHIR resource type or a sensitivity label; the code itself when we have none. */
export function dataClassName(code: string, t: LetterStrings): string {
  return Object.hasOwn(t.dataClasses, code) ? t.dataClasses[code] : t.otherData(code);
}

export function purposeName(code: string, t: LetterStrings): string {
  return Object.hasOwn(t.purposes, code) ? t.purposes[code] : t.otherPurpose(code);
}

export function statusName(code: string, t: LetterStrings): string {
  return Object.hasOwn(t.statuses, code) ? t.statuses[code] : code;
}
