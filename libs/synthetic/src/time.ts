import { dayNumber, formatDay } from './random';
import type { Country } from './types';

/**
 * Times are kept as UTC milliseconds and written as local wall time with the offset of
 * Europe/Paris or Europe/London on that date, as an agency's system would write them.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** The generator's "today": fixed, so that output never depends on when it runs. */
export const REFERENCE_DATE = '2025-06-30';

const STANDARD_OFFSET_MINUTES: Readonly<Record<Country, number>> = { FR: 60, GB: 0 };

/** Summer time in the EU and the UK: last Sunday of March 01:00 UTC to last Sunday of October 01:00 UTC. */
function isSummerTime(utcMs: number): boolean {
  const year = new Date(utcMs).getUTCFullYear();
  const start = lastSundayUtc(year, 2) + HOUR_MS;
  const end = lastSundayUtc(year, 9) + HOUR_MS;
  return utcMs >= start && utcMs < end;
}

function lastSundayUtc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay());
}

export function offsetMinutes(utcMs: number, country: Country): number {
  return STANDARD_OFFSET_MINUTES[country] + (isSummerTime(utcMs) ? 60 : 0);
}

/** UTC instant of a local wall time on `date` (hours in the day, where no clock change happens). */
export function localTime(date: string, hour: number, minute: number, country: Country): number {
  const wall = dayNumber(date) * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS;
  return wall - offsetMinutes(wall, country) * MINUTE_MS;
}

/** FHIR dateTime/instant: `YYYY-MM-DDThh:mm:ss+hh:mm`, local time of the country. */
export function formatDateTime(utcMs: number, country: Country): string {
  const offset = offsetMinutes(utcMs, country);
  const local = new Date(Math.floor(utcMs / 1000) * 1000 + offset * MINUTE_MS).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}

/** Local calendar date (`YYYY-MM-DD`) of an instant. */
export function localDate(utcMs: number, country: Country): string {
  return formatDay(Math.floor((utcMs + offsetMinutes(utcMs, country) * MINUTE_MS) / DAY_MS));
}

export function addDays(date: string, days: number): string {
  return formatDay(dayNumber(date) + days);
}

export function addYears(date: string, years: number): string {
  const [y, m, d] = date.split('-');
  // 29 February moves to 28 February in a year that has none.
  const day = m === '02' && d === '29' ? '28' : d;
  return `${String(Number(y) + years).padStart(4, '0')}-${m}-${day}`;
}

/** Whole years from `birthDate` to `date`. */
export function ageOn(birthDate: string, date: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number);
  const [y, m, d] = date.split('-').map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** Dates for people: "2 March 2024" / "2 mars 2024". */
export function humanDate(date: string, language: 'fr' | 'en'): string {
  const [y, m, d] = date.split('-').map(Number);
  const months = language === 'fr' ? FRENCH_MONTHS : ENGLISH_MONTHS;
  return `${d} ${months[m - 1]} ${y}`;
}

const FRENCH_MONTHS = [
  'janvier',
  'février',
  'mars',
  'avril',
  'mai',
  'juin',
  'juillet',
  'août',
  'septembre',
  'octobre',
  'novembre',
  'décembre',
];
const ENGLISH_MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
