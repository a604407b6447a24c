/**
 * Cursor arithmetic for `_lastUpdated=gt<cursor>&_sort=_lastUpdated` pulls. Several resources
 * may share one `lastUpdated`, and a page may end in the middle of such a run: moving the cursor
 * to the page's greatest time would then skip the rest of the run, since `gt` excludes it. So
 * the cursor only moves to the greatest time *strictly before* the page's last one, unless the
 * page is known to be the last; the run is fetched again next time and re-pushing it changes
 * nothing at the hub.
 */

/** An instant as milliseconds; an unreadable one sorts first, so it never advances a cursor. */
export function instantMs(value: string | undefined): number {
  if (value === undefined) return Number.NEGATIVE_INFINITY;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? Number.NEGATIVE_INFINITY : ms;
}

/**
 * The cursor after a page of `lastUpdated` values (in server order, ascending) was pushed.
 * `complete`: no resource after this page matched the query. Never moves backwards.
 */
export function cursorAfterPage(
  previous: string | undefined,
  page: readonly string[],
  complete: boolean,
): string | undefined {
  const readable = page.filter((v) => Number.isFinite(instantMs(v)));
  if (readable.length === 0) return previous;
  const last = readable.reduce((a, b) => (instantMs(b) > instantMs(a) ? b : a));
  let next: string | undefined = last;
  if (!complete) {
    const before = readable.filter((v) => instantMs(v) < instantMs(last));
    next = before.length === 0 ? undefined : before.reduce((a, b) => (instantMs(b) > instantMs(a) ? b : a));
  }
  if (next === undefined || instantMs(next) <= instantMs(previous)) return previous;
  return next;
}

/**
 * What to fetch after a page: nothing (`done`), the same query again from the new cursor
 * (`requery`: keyset paging, immune to offsets shifting while the server changes), or the
 * server's next link (`follow`: when the whole page shares one instant, only offset paging can
 * get past it).
 */
export type NextStep = 'done' | 'requery' | 'follow' | 'widen';

export function nextStep(page: {
  size: number;
  requested: number;
  hasNextLink: boolean;
  /** The cursor moved: a re-query from it starts past part of this page. */
  progressed: boolean;
}): NextStep {
  if (page.size === 0) return 'done';
  if (!page.hasNextLink && page.size < page.requested) return 'done';
  if (page.progressed) return 'requery';
  // One instant fills the page: offset paging if the server offers it, else a bigger page.
  return page.hasNextLink ? 'follow' : 'widen';
}

/** The page is the last one of its query. */
export function isComplete(page: { size: number; requested: number; hasNextLink: boolean }): boolean {
  return page.size === 0 || (!page.hasNextLink && page.size < page.requested);
}
