import { gpCopies, hubCopies, onceEach, untilAtGp, untilRouteJobsFor } from './delivery';
import { SyncStack } from './stack';

/**
 * Fault: Redis restarted mid-sync. The hub (SYNC_WORKER=off) and a worker
 * process share a redis-server of the test's own, started without persistence; it is killed with
 * SIGKILL while route jobs are queued and running, and started again, empty, on the same port.
 * The outbox in PostgreSQL is the source of truth: the worker's rescan derives the lost jobs
 * again, routing an already-routed row does nothing, and the GP's server ends up with every
 * change exactly once — counted there, by identifier and by version.
 */
describe('fault: Redis restarted mid-sync', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  it('loses nothing and duplicates nothing in the GP server', async () => {
    const patient = await stack.hospitalPatient();
    const first = await stack.writeEncounters('REDIS-A', 10, patient);
    await untilAtGp(stack, first);

    // Mid-sync: route jobs running (held inside their transaction) and waiting in Redis.
    const hold = await stack.holdRouting();
    let queued: string[] = [];
    let during: string[] = [];
    try {
      queued = await stack.writeEncounters('REDIS-B', 20, patient);
      await untilRouteJobsFor(stack, queued.length, 'the route jobs of the 20 changes queued in Redis');
      const redis = stack.redis;
      if (!redis) throw new Error('no dedicated Redis');
      expect((await redis.kill('SIGKILL')).signal).toBe('SIGKILL');
      const killedAt = new Date().toISOString();
      // Changes keep coming while Redis is away, and the hospital tries to push them: the hub
      // takes them, or (its rate-limit counters being in Redis) refuses and the connector retries.
      during = await stack.writeEncounters('REDIS-C', 10, patient);
      await stack.processes.until('a push of what came while Redis is away', async () => {
        const { lastError } = (await stack.connectorHealth('hospital')).sync;
        if (lastError !== null && lastError.at > killedAt && lastError.message.startsWith('hub:'))
          return true;
        return Object.keys(await hubCopies(stack, during)).length === during.length;
      });
      stack.redis = await stack.processes.redis({ port: redis.port, name: 'redis-restarted' });
    } finally {
      await hold.release();
    }

    const all = [...first, ...queued, ...during];
    await untilAtGp(stack, all);
    await stack.processes.until('the outbox routed and the GP feed acknowledged', async () => {
      const status = await stack.syncStatus();
      return status.outboxBacklog === 0 && (await stack.pending('gp')) === 0;
    });
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
    // At the hub too: one feed item per change for the GP, and the worker lived through it.
    const [feed] = await stack.sql<{ items: string; changes: string }>(
      `SELECT count(*) AS items, count(DISTINCT (f.resource_id, f.version_id)) AS changes
         FROM sync_feed f WHERE f.agency_id = $1 AND f.resource_type = 'Encounter'`,
      [stack.gp.server.id],
    );
    expect(Number(feed.items)).toBe(Number(feed.changes));
    expect(stack.workers[0].exit).toBeUndefined();
  }, 120_000);
});
