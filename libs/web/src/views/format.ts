import type { Lang } from '../i18n/language';

const LOCALES: Record<Lang, string> = { fr: 'fr-FR', en: 'en-GB' };

/**
 * A FHIR date or dateTime as a reader writes it, at the precision recorded: a year, a month, a
 * day, or a day and time (in the deployment's time zone). What cannot be read stays as written.
 */
export function formatFhirDate(value: string | undefined, lang: Lang, timeZone = 'Europe/Paris'): string {
  if (!value) return '';
  const locale = LOCALES[lang];
  if (/^\d{4}$/.test(value)) return value;
  if (/^\d{4}-\d{2}$/.test(value))
    return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', timeZone: 'UTC' }).format(
      new Date(`${value}-01T00:00:00Z`),
    );
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
      new Date(`${value}T00:00:00Z`),
    );
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short', timeZone }).format(date);
}
