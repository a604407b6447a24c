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
  /** Where the next page starts, when at least one more visible row exists. */
  next?: PagePosition;
  /** Rows examined and dropped (for the audit trail). */
  hidden: T[];
}

/**
 * Fills one page of `count` visible rows in keyset order. `fetch(position, n)` returns up to n + 1
 * rows after `position`; batches are read until the page is full and one more visible row is
 * known to exist (so a `next` link never leads to an empty page), or the rows run out.
 */
export async function fillPage<T>(
  fetch: (position: PagePosition | undefined, n: number) => Promise<T[]>,
  positionOf: (row: T) => PagePosition,
  visible: Visibility<T>,
  count: number,
  start: PagePosition | undefined,
): Promise<FilledPage<T>> {
  const page: T[] = [];
  const hidden: T[] = [];
  let position = start;
  const batch = Math.max(count, 1);
  for (;;) {
    const rows = await fetch(position, batch);
    const flags = await visible(rows);
    for (let i = 0; i < rows.length; i++) {
      if (!flags[i]) {
        hidden.push(rows[i]);
      } else if (page.length < count) {
        page.push(rows[i]);
      } else {
        return { page, next: positionOf(page[page.length - 1]), hidden };
      }
    }
    if (rows.length <= batch) return { page, hidden };
    position = positionOf(rows[rows.length - 1]);
  }
}
