import type { PagePosition } from './page-token';
import { ALL_VISIBLE, examinationBound, fillPage } from './paging';

/** 1..n as rows, fetched in keyset order after a position, like the SQL does. */
function source(n: number) {
  const rows = Array.from({ length: n }, (_, i) => i + 1);
  const fetches: number[] = [];
  const fetch = (position: PagePosition | undefined, limit: number) => {
    fetches.push(limit);
    const after = position ? Number(position.i) : 0;
    return Promise.resolve(rows.filter((r) => r > after).slice(0, limit + 1));
  };
  const positionOf = (row: number): PagePosition => ({ t: row, r: 'X', i: String(row) });
  return { fetch, positionOf, fetches };
}

describe('fillPage', () => {
  it('pages everything when all is visible, with a next position only when more exist', async () => {
    const { fetch, positionOf } = source(5);
    const first = await fillPage(fetch, positionOf, ALL_VISIBLE, 2, undefined);
    expect(first.page).toEqual([1, 2]);
    const last = await fillPage(fetch, positionOf, ALL_VISIBLE, 3, first.next);
    expect(last.page).toEqual([3, 4, 5]);
    expect(last.next).toBeUndefined();
  });

  it('skips hidden rows across batches and never leaves an empty trailing page', async () => {
    const { fetch, positionOf } = source(20);
    const visible = (rows: readonly number[]) => Promise.resolve(rows.map((r) => r % 5 === 0));
    const first = await fillPage(fetch, positionOf, visible, 2, undefined);
    expect(first.page).toEqual([5, 10]);
    // Rows examined while looking for one more visible row (11-14) are examined again next page.
    expect(first.hidden).toEqual([1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14]);
    const second = await fillPage(fetch, positionOf, visible, 2, first.next);
    expect(second.page).toEqual([15, 20]);
    // 20 is the last visible row: no next link, although rows were examined after 15.
    expect(second.next).toBeUndefined();
  });

  it('answers an empty page when nothing is visible', async () => {
    const { fetch, positionOf } = source(7);
    const none = await fillPage(
      fetch,
      positionOf,
      (rows) => Promise.resolve(rows.map(() => false)),
      3,
      undefined,
    );
    expect(none).toEqual({ page: [], hidden: [1, 2, 3, 4, 5, 6, 7], examined: 7 });
  });
});

describe('fillPage examination bound', () => {
  it('stops after the bound with a partial page whose next position goes on after the last row examined', async () => {
    const { fetch, positionOf } = source(100);
    const seen: number[] = [];
    const visible = (rows: readonly number[]) => {
      seen.push(...rows);
      return Promise.resolve(rows.map((r) => r === 3 || r === 60));
    };
    const first = await fillPage(fetch, positionOf, visible, 5, undefined, 40);
    // Batches of 6, 11, 21 and 2 rows (growing while rows are hidden, the last one cut to the bound).
    expect(seen).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(first).toMatchObject({ page: [3], partial: true, next: positionOf(40) });
    expect(first.hidden.length).toBe(39);
    // The next page goes on after the last row examined: every row is examined once.
    const second = await fillPage(fetch, positionOf, visible, 5, first.next, 40);
    expect(seen).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(second).toMatchObject({ page: [60], partial: true, next: positionOf(80) });
  });

  it('is 10 × the page size, at least 1,000', () => {
    expect(examinationBound(5)).toBe(1_000);
    expect(examinationBound(500)).toBe(5_000);
  });
});
