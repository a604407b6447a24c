import { cursorAfterPage, instantMs, isComplete, nextStep } from './pull-cursor';

const t = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, '0')}.000Z`;

describe('cursorAfterPage', () => {
  it('moves to the last instant when the query is exhausted', () => {
    expect(cursorAfterPage(undefined, [t(1), t(2), t(3)], true)).toBe(t(3));
  });

  it('stops before the last instant of a full page: the run may go on in the next page', () => {
    expect(cursorAfterPage(undefined, [t(1), t(2), t(3), t(3)], false)).toBe(t(2));
  });

  it('stays when one instant fills the page', () => {
    expect(cursorAfterPage(t(1), [t(3), t(3), t(3)], false)).toBe(t(1));
    expect(cursorAfterPage(undefined, [t(3), t(3)], false)).toBeUndefined();
  });

  it('never moves backwards, and ignores unreadable instants', () => {
    expect(cursorAfterPage(t(5), [t(1), t(2)], true)).toBe(t(5));
    expect(cursorAfterPage(t(1), ['', 'not a date'], true)).toBe(t(1));
    expect(cursorAfterPage(t(1), ['', t(4)], true)).toBe(t(4));
  });

  it('compares instants, not strings: offsets and precision differ between servers', () => {
    expect(instantMs('2026-01-01T01:00:00+01:00')).toBe(instantMs('2026-01-01T00:00:00Z'));
    expect(
      cursorAfterPage(undefined, ['2026-01-01T00:00:00.500Z', '2026-01-01T01:00:00.400+01:00'], true),
    ).toBe('2026-01-01T00:00:00.500Z');
  });

  it('keeps the server’s own spelling of the instant', () => {
    expect(cursorAfterPage(undefined, ['2026-01-01T01:00:00.123456+01:00'], true)).toBe(
      '2026-01-01T01:00:00.123456+01:00',
    );
  });
});

describe('nextStep', () => {
  const page = { size: 10, requested: 10, hasNextLink: true, progressed: true };

  it('is done on an empty page or a short page without a next link', () => {
    expect(nextStep({ ...page, size: 0 })).toBe('done');
    expect(nextStep({ ...page, size: 4, hasNextLink: false })).toBe('done');
    expect(isComplete({ size: 4, requested: 10, hasNextLink: false })).toBe(true);
  });

  it('re-queries from the cursor when it moved (keyset paging)', () => {
    expect(nextStep(page)).toBe('requery');
    // A short page with a next link: the server capped the count, more may follow.
    expect(nextStep({ ...page, size: 4 })).toBe('requery');
    expect(isComplete({ size: 4, requested: 10, hasNextLink: true })).toBe(false);
  });

  it('follows the next link past a page of one instant, or asks for a bigger page', () => {
    expect(nextStep({ ...page, progressed: false })).toBe('follow');
    expect(nextStep({ ...page, progressed: false, hasNextLink: false })).toBe('widen');
  });
});
