import { atGp, gpCopies, onceEach, untilAtGp } from './delivery';
import { SyncStack } from './stack';

/**
 * Fault found while writing the others: route transactions that commit out of feed order. A
 * feed item's `seq` is taken when its row is inserted, not when its transaction commits; with
 * jobs routed concurrently, a later item can be visible before an earlier one, and a recipient
 * reading `$changes` in between would move its cursor past the earlier item for good. (Fixed in
 * libs/sync/src/feed/feed.ts: a read waits for the feed additions in progress.)
 *
 * Made deterministic: the test locks stay X's outbox row, so X's route transaction adds its feed
 * item and then waits to mark the row routed; stay Y is routed meanwhile; the lock is released
 * once Y has reached the GP or the GP's read waits behind X. Both must reach the GP, once each.
 */
describe('fault: route transactions committing out of feed order', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  /** Backends of this database waiting for a lock (route transactions held up). */
  const lockWaits = async () =>
    Number(
      (
        await stack.sql<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      )[0].n,
    );

  it('delivers an item whose routing commits after a later one', async () => {
    const patient = await stack.hospitalPatient();
    const warm = await stack.writeEncounters('ORDER-A', 1, patient);
    await untilAtGp(stack, warm);

    await stack.workers[0].kill('SIGTERM');
    const x = await stack.writeEncounters('ORDER-X', 1, patient);
    const [row] = await stack.processes.until('stay X in the outbox', async () => {
      const rows = await stack.sql<{ id: string }>('SELECT id FROM sync_outbox WHERE routed_at IS NULL');
      return rows.length === 1 && rows;
    });
    const lock = await stack.pg();
    await lock.query('BEGIN');
    await lock.query('SELECT id FROM sync_outbox WHERE id = $1 FOR UPDATE', [row.id]);
    let y: string[] = [];
    try {
      await stack.startWorker();
      await stack.processes.until(
        'X’s routing waiting to mark its row',
        async () => (await lockWaits()) >= 1,
      );
      y = await stack.writeEncounters('ORDER-Y', 1, patient);
      // Y reaches the GP while X is uncommitted (the GP's cursor then passes X), or something
      // waits behind X: the GP's read of its feed, or Y's routing.
      await stack.processes.until('Y at the GP, or the GP’s read waiting behind X', async () => {
        const held = await atGp(stack, 'Encounter', stack.encounterSystem, y);
        return held.size === 1 || (await lockWaits()) >= 2;
      });
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }

    const all = [...warm, ...x, ...y];
    await untilAtGp(stack, all, 20_000);
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
    await stack.processes.until('the GP feed acknowledged', async () => (await stack.pending('gp')) === 0);
  }, 120_000);
});
