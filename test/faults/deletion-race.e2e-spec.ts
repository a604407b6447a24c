import type { Encounter } from 'fhir/r4';
import { fetchAll } from '../../apps/connector/src/connector.testing';
import { atGp, untilAtGp } from './delivery';
import { SyncStack } from './stack';

/**
 * A deletion and an update of the same record race. The rule (docs/sync.md, "Deletions"): the
 * state the source ends in wins, and nothing resurrects a deleted record.
 *
 * - At the hospital: an update and a deletion of each stay sent together; whichever the
 *   hospital's server ran last decides (an update after the deletion writes the stay again).
 *   The GP ends with the hospital's state: the stay as updated, or its copy withdrawn.
 * - At the hub: the update's routing held (its outbox row locked) while the deletion is sent and
 *   routed, so the update reaches the GP's feed after the tombstone. The feed reads it as the
 *   deletion it was overtaken by: the GP never gets the update back.
 */
describe('fault: a deletion and an update of the same record race', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  const hospitalStays = async () =>
    new Map(
      ((await fetchAll(stack.hospital.baseUrl, 'Encounter')) as Encounter[]).map((e) => [
        e.identifier?.[0]?.value ?? '',
        e,
      ]),
    );
  const put = (stay: Encounter, status: Encounter['status']) =>
    fetch(`${stack.hospital.baseUrl}/Encounter/${stay.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...stay, status }),
    });
  const remove = (stay: Encounter) =>
    fetch(`${stack.hospital.baseUrl}/Encounter/${stay.id}`, { method: 'DELETE' });

  it('ends at the GP in the state the hospital ended in, stay by stay', async () => {
    const patient = await stack.hospitalPatient();
    const values = await stack.writeEncounters('RACE', 8, patient);
    await untilAtGp(stack, values);
    const before = await hospitalStays();
    await Promise.all(
      values.map(async (value, i) => {
        const stay = before.get(value)!;
        // Both orders of arrival: half the updates sent first, half the deletions.
        const [first, second] =
          i % 2 === 0
            ? [() => put(stay, 'cancelled'), () => remove(stay)]
            : [() => remove(stay), () => put(stay, 'cancelled')];
        await Promise.all([first(), second()]);
      }),
    );
    const after = await hospitalStays();
    const expected = Object.fromEntries(
      values.map((v) => [v, after.has(v) ? after.get(v)!.status : 'entered-in-error']),
    );
    let seen: Record<string, string> = {};
    await stack.processes
      .until(
        'every stay at the GP in the hospital’s state',
        async () => {
          const held = await atGp(stack, 'Encounter', stack.encounterSystem, values);
          seen = Object.fromEntries(
            values.map((v) => [v, (held.get(v) ?? []).map((e) => (e as Encounter).status).join(',')]),
          );
          return JSON.stringify(seen) === JSON.stringify(expected);
        },
        { timeoutMs: 60_000, intervalMs: 250 },
      )
      .catch((e: unknown) => {
        throw new Error(
          `${String(e)}; at the GP ${JSON.stringify(seen)}, expected ${JSON.stringify(expected)}`,
        );
      });
    expect(seen).toEqual(expected);
  }, 120_000);

  it('never gives the GP back an update whose routing finished after the deletion', async () => {
    const patient = await stack.hospitalPatient();
    const [value] = await stack.writeEncounters('OVERTAKEN', 1, patient);
    await untilAtGp(stack, [value]);
    const stay = (await hospitalStays()).get(value)!;

    await stack.workers[0].kill('SIGTERM');
    expect((await put(stay, 'cancelled')).status).toBe(200);
    const [update] = await stack.processes.until('the update in the outbox', async () => {
      const rows = await stack.sql<{ id: string; resource_id: string }>(
        'SELECT id, resource_id FROM sync_outbox WHERE routed_at IS NULL AND NOT deleted',
      );
      return rows.length === 1 && rows;
    });
    const lock = await stack.pg();
    await lock.query('BEGIN');
    await lock.query('SELECT id FROM sync_outbox WHERE id = $1 FOR UPDATE', [update.id]);
    try {
      await stack.startWorker();
      expect((await remove(stay)).status).toBe(200);
      await stack.processes.until('the deletion at the hub', async () => {
        const rows = await stack.sql('SELECT 1 FROM sync_outbox WHERE resource_id = $1 AND deleted', [
          update.resource_id,
        ]);
        return rows.length === 1;
      });
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    await stack.processes.until(
      'both routed and the GP feed acknowledged',
      async () => (await stack.syncStatus()).outboxBacklog === 0 && (await stack.pending('gp')) === 0,
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The GP's feed holds the stay's creation, update and deletion, in whatever order routed;
    // read now, they are one deletion: the update is never given back.
    const routed = await stack.sql<{ version_id: number }>(
      'SELECT version_id FROM sync_feed WHERE agency_id = $1 AND resource_id = $2 ORDER BY seq',
      [stack.keys.gp?.id, update.resource_id],
    );
    expect(routed.map((r) => r.version_id).sort()).toEqual([1, 2, 3]);
    const about = (await stack.feed('gp')).filter((e) =>
      e.fullUrl?.endsWith(`/Encounter/${update.resource_id}`),
    );
    expect(about.map((e) => e.request?.method)).toEqual(['DELETE']);
    const held = (await atGp(stack, 'Encounter', stack.encounterSystem, [value])).get(value) ?? [];
    expect(held.map((e) => (e as Encounter).status)).toEqual(['entered-in-error']);
  }, 120_000);
});
