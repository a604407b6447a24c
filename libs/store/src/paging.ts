import type { PagePosition } from './page-token';

/**
 * Decides which of a batch of rows the caller may see (the consent check): `true` keeps a row.
 * Rows it drops are invisible: not in the page, not counted, and they leave no empty page.
 */
export type Visibility<T> = (rows: readonly T[]) => Promise<boolean[]>;

export const ALL_VISIBLE = <T>(rows: readonly T[]): Promise<boolean[]> =>
  Promise.resolve(rows.map(() => true));

export interface FilledPage<T> {
  page: T[];
  /** Where the next page starts: one more visible row exists, or the page was cut short (`partial`). */
  next?: PagePosition;
  /** Rows examined and dropped (for the audit trail); never more than the examination bound. */
  hidden: T[];
  /** The examination bound was reached before the page was full: `next` goes on from there. */
  partial?: boolean;
  /** Rows handed to `visible`. */
  examined: number;
}

/**
 * How many rows one page may examine (each is a consent decision): 10 × the page size, at least
 * 1,000. A caller who may see little (normal under explicit consent) would otherwise have the
 * hub scan, decide on and hold every row it may not see until the page is full.
 */
export function examinationBound(count: number): number {
  return Math.max(10 * count, 1_000);
}

/** Largest batch read at once when most rows are hidden (the batch starts at the page size and doubles). */
const MAX_BATCH = 1_000;

/**
 * Fills one page of `count` visible rows in keyset order. `fetch(position, n)` returns up to n + 1
 * rows after `position`; batches are read until the page is full and one more visible row is
 * known to exist (so a `next` link never leads to an empty page), or the rows run out, or
 * `maxExamined` rows have been examined: the page is then `partial`, possibly empty, and `next`
 * starts after the last row examined.
 */
export async function fillPage<T>(
  fetch: (position: PagePosition | undefined, n: number) => Promise<T[]>,
  positionOf: (row: T) => PagePosition,
  visible: Visibility<T>,
  count: number,
  start: PagePosition | undefined,
  maxExamined: number = examinationBound(count),
): Promise<FilledPage<T>> {
  const page: T[] = [];
  const hidden: T[] = [];
  let position = start;
  let batch = Math.max(count, 1);
  let examined = 0;
  const bound = Math.max(2, maxExamined);
  for (;;) {
    // n + 1 rows come back: never more than the bound left (at least one row, and its look-ahead).
    const n = Math.min(batch, bound - examined - 1);
    const rows = await fetch(position, n);
    examined += rows.length;
    const flags = await visible(rows);
    for (let i = 0; i < rows.length; i++) {
      if (!flags[i]) {
        hidden.push(rows[i]);
      } else if (page.length < count) {
        page.push(rows[i]);
      } else {
        return { page, next: positionOf(page[page.length - 1]), hidden, examined };
      }
    }
    if (rows.length <= n) return { page, hidden, examined };
    position = positionOf(rows[rows.length - 1]);
    // Another batch would be a row and its look-ahead at least.
    if (examined >= bound - 1) return { page, next: position, hidden, partial: true, examined };
    if (hidden.length > 0) batch = Math.min(batch * 2, MAX_BATCH);
  }
}
