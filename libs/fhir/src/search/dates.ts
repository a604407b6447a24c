/**
 * FHIR dates as half-open instant ranges [lo, hi), the form search compares. `2024` is the whole
 * year, `2024-03-05` the whole day (UTC), `2024-03-05T10:00:00+01:00` that second, an instant with
 * milliseconds that millisecond. Open period ends are ±infinity.
 */
export interface DateRange {
  lo: number; // epoch ms, may be -Infinity
  hi: number; // epoch ms (exclusive), may be +Infinity
}

const DATE_RE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

export function parseDateRange(value: string): DateRange | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, tz] = m;
  const year = Number(y);
  if (mo === undefined) return { lo: Date.UTC(year, 0, 1), hi: Date.UTC(year + 1, 0, 1) };
  const month = Number(mo) - 1;
  if (month < 0 || month > 11) return undefined;
  if (d === undefined) return { lo: Date.UTC(year, month, 1), hi: Date.UTC(year, month + 1, 1) };
  const day = Number(d);
  const dayStart = Date.UTC(year, month, day);
  if (day < 1 || new Date(dayStart).getUTCMonth() !== month) return undefined;
  if (h === undefined) return { lo: dayStart, hi: Date.UTC(year, month, day + 1) };
  let offsetMs = 0;
  if (tz && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    offsetMs = sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6))) * 60_000;
  }
  const base = dayStart + (Number(h) * 60 + Number(mi)) * 60_000 - offsetMs;
  if (s === undefined) return { lo: base, hi: base + 60_000 };
  const secStart = base + Number(s) * 1000;
  if (frac === undefined) return { lo: secStart, hi: secStart + 1000 };
  const ms = Math.floor(Number(`0${frac}`) * 1000);
  return { lo: secStart + ms, hi: secStart + ms + 1 };
}

/** An instant stored at millisecond precision. */
export function instantRange(ms: number): DateRange {
  return { lo: ms, hi: ms + 1 };
}

export function unionRanges(ranges: DateRange[]): DateRange | undefined {
  if (ranges.length === 0) return undefined;
  return {
    lo: Math.min(...ranges.map((r) => r.lo)),
    hi: Math.max(...ranges.map((r) => r.hi)),
  };
}

/** For SQL parameters: PostgreSQL's timestamptz accepts 'infinity' and '-infinity'. */
export function toSqlTimestamp(ms: number): string {
  if (ms === Infinity) return 'infinity';
  if (ms === -Infinity) return '-infinity';
  return new Date(ms).toISOString();
}
