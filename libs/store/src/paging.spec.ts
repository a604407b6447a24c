import type { PagePosition } from './page-token';
import { ALL_VISIBLE, fillPage } from './paging';

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
    expect(none).toEqual({ page: [], hidden: [1, 2, 3, 4, 5, 6, 7] });
  });
});
