import { parseDateRange, toSqlTimestamp } from './dates';

const iso = (ms: number) => new Date(ms).toISOString();

describe('parseDateRange', () => {
  it.each([
    ['2024', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-03-10T08:00:00+01:00', '2024-03-10T07:00:00.000Z', '2024-03-10T07:00:01.000Z'],
    ['2024-03-10T08:00:00Z', '2024-03-10T08:00:00.000Z', '2024-03-10T08:00:01.000Z'],
    ['2024-03-10T08:00:00.123Z', '2024-03-10T08:00:00.123Z', '2024-03-10T08:00:00.124Z'],
    ['2024-03-10T08:00-05:30', '2024-03-10T13:30:00.000Z', '2024-03-10T13:31:00.000Z'],
  ])('%s → [%s, %s)', (value, lo, hi) => {
    const range = parseDateRange(value);
    expect(range && [iso(range.lo), iso(range.hi)]).toEqual([lo, hi]);
  });

  it.each(['2023-02-29', '2024-13', '24-01-01', 'yesterday', '2024-01-01T25', ''])('refuses %p', (value) => {
    expect(parseDateRange(value)).toBeUndefined();
  });

  it('writes infinities the way PostgreSQL reads them', () => {
    expect(toSqlTimestamp(Infinity)).toBe('infinity');
    expect(toSqlTimestamp(-Infinity)).toBe('-infinity');
    expect(toSqlTimestamp(0)).toBe('1970-01-01T00:00:00.000Z');
  });
});
