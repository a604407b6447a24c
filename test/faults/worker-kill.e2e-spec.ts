import { gpCopies, onceEach, untilAtGp, untilRouteJobsFor } from './delivery';
import { SyncStack } from './stack';

/**
 * Fault: the worker killed with SIGKILL mid-job. Its route jobs are held
 * running (inside their database transaction) when it dies, so they stay `active` in Redis
 * under a lock nobody renews; their transactions die with the process. Another worker started
 * afterwards gets them back through BullMQ's stalled-job check and routes them, plus what came
 * in while no worker ran; the GP's server ends up with every change exactly once, and no job
 * is left a dead letter.
 *
 * The check comes after the lock lapses (lockDuration, 30 s) at the next stalledInterval (30 s):
 * up to a minute, the worker offering no setting to shorten it for a test.
 */
describe('fault: worker killed with SIGKILL mid-job', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  it('recovers the dead worker’s jobs in another worker and delivers every change once', async () => {
    const patient = await stack.hospitalPatient();
    const first = await stack.writeEncounters('KILL-A', 10, patient);
    await untilAtGp(stack, first);

    const hold = await stack.holdRouting();
    let running: string[] = [];
    try {
      running = await stack.writeEncounters('KILL-B', 20, patient);
      await untilRouteJobsFor(stack, running.length, 'route jobs running in the worker');
      const killed = await stack.workers[0].kill('SIGKILL');
      expect(killed.signal).toBe('SIGKILL');
    } finally {
      await hold.release();
    }
    // Nobody routes now: changes pile up in the outbox.
    const meanwhile = await stack.writeEncounters('KILL-C', 10, patient);
    await stack.startWorker();

    const all = [...first, ...running, ...meanwhile];
    await untilAtGp(stack, all, 110_000);
    await stack.processes.until('the outbox routed and the GP feed acknowledged', async () => {
      const status = await stack.syncStatus();
      return status.outboxBacklog === 0 && (await stack.pending('gp')) === 0;
    });
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
    // The rescan may have routed the dead worker's rows under ranges of its own before BullMQ's
    // stalled check gave the dead worker's jobs back: they then find their rows routed and
    // complete. None is left running, waiting, or a dead letter.
    await stack.processes.until('the dead worker’s jobs completed', async () => {
      const counts = await stack.routeQueue();
      return counts.active === 0 && counts.waiting === 0 && counts;
    });
    expect(await stack.routeQueue()).toMatchObject({ failed: 0, active: 0, waiting: 0 });
  }, 180_000);
});
