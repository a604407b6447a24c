import type { Bundle, Resource } from 'fhir/r4';
import { hasNextLink } from './outcomes';
import { cursorAfterPage, isComplete, nextStep } from './pull-cursor';

export interface ReadAhead {
  /** How the next page is read: the query again from `from`, or the server's next link. */
  step: 'requery' | 'follow';
  /** The cursor the query starts after (`requery`). */
  from: string | undefined;
  bundle: Promise<Bundle>;
}

/**
 * Starts reading the page that comes after `bundle` as if the push will settle all of it: the
 * same query from the cursor the page would move to (`requery`), or the server's next link
 * (`follow`), decided by the same arithmetic as after the push (pull-cursor). Nothing is stored
 * from it: the cursor still moves only once the hub has accepted the page, and a guess the push
 * proves wrong (a deferred resource: the cursor stops inside the page) is dropped unread. The
 * cost is one more page in hand; the gain, the agency server's read overlapping the hub's
 * transaction instead of following it.
 */
export function readAhead(
  bundle: Bundle,
  page: readonly Resource[],
  cursor: string | undefined,
  requested: number,
  read: {
    query: (from: string | undefined) => Promise<Bundle>;
    follow: (current: Bundle) => Promise<Bundle>;
  },
): ReadAhead | undefined {
  const shape = { size: page.length, requested, hasNextLink: hasNextLink(bundle) };
  const from = cursorAfterPage(
    cursor,
    page.map((r) => r.meta?.lastUpdated ?? ''),
    isComplete(shape),
  );
  const step = nextStep({ ...shape, progressed: from !== cursor });
  if (step !== 'requery' && step !== 'follow') return undefined;
  const next = step === 'requery' ? read.query(from) : read.follow(bundle);
  // A guess dropped, or a push failing first, must not surface as an unhandled rejection;
  // awaited, the read still throws as it would have.
  next.catch(() => undefined);
  return { step, from, bundle: next };
}
