import { MemoryThrottlerStorage } from './memory-throttler.storage';

describe('MemoryThrottlerStorage', () => {
  afterEach(() => jest.useRealTimers());

  it('counts in fixed windows, blocks past the limit, and opens again after the block', async () => {
    jest.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryThrottlerStorage();
    const hit = () => store.increment('agency:a', 60_000, 3, 0, 'default');
    for (let i = 1; i <= 3; i++) expect(await hit()).toMatchObject({ totalHits: i, isBlocked: false });
    expect(await hit()).toMatchObject({ totalHits: 4, isBlocked: true, timeToBlockExpire: 60 });
    expect((await store.increment('agency:b', 60_000, 3, 0, 'default')).isBlocked).toBe(false);
    jest.setSystemTime(1_000_000 + 60_001);
    expect(await hit()).toMatchObject({ totalHits: 1, isBlocked: false });
  });

  it('does constant work however many hits a window holds', async () => {
    const store = new MemoryThrottlerStorage();
    for (let i = 0; i < 200_000; i++) await store.increment('agency:busy', 60_000, 1_000_000, 0, 'default');
    expect((await store.increment('agency:busy', 60_000, 1_000_000, 0, 'default')).totalHits).toBe(200_001);
  });
});
