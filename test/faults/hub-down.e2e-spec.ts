import type { Bundle } from 'fhir/r4';
import { connectorCursors, gpCopies, hubCopies, onceEach, untilAtGp } from './delivery';
import { type AgencyName, SyncStack } from './stack';

/**
 * Fault: the hub down. The hub process is killed with SIGKILL right after a
 * batch of hospital changes (some pushed, some perhaps not) and more changes are written while
 * it is away. Both connectors keep failing against it (their /health names the hub), their
 * stored cursors do not move, and the hospital's does not pass what the hub never accepted. The
 * hub restarted on the same database and port: both connectors catch up from their cursors, and
 * every change is held once at the hub (one version) and once in the GP's server.
 */
describe('fault: the hub down', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  /** Waits for a failed cycle of the connector against the hub, later than `after`; returns its time. */
  const hubFailure = (name: AgencyName, after: string) =>
    stack.processes.until(`the ${name} connector failing against the hub after ${after}`, async () => {
      const { lastError } = (await stack.connectorHealth(name)).sync;
      return lastError !== null && lastError.at > after && lastError.message.startsWith('hub:')
        ? lastError.at
        : undefined;
    });

  it('keeps the connectors’ cursors while the hub is down, then catches up without duplicates', async () => {
    const patient = await stack.hospitalPatient();
    const first = await stack.writeEncounters('HUB-A', 10, patient);
    await untilAtGp(stack, first);

    const inFlight = await stack.writeEncounters('HUB-B', 10, patient);
    const { port } = stack.hub;
    const killed = await stack.hub.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const killedAt = new Date().toISOString();
    const whileDown = await stack.writeEncounters('HUB-C', 10, patient);

    await hubFailure('hospital', killedAt);
    await hubFailure('gp', killedAt);
    // The cursors of what travels through the hub. A deletions cursor (`deletions:<Type>`) moves
    // past history entries that are not deletions without the hub (nothing to send), so it may
    // move while the hub is away; a deletion it reads waits for the hub (connector-deletions e2e).
    const throughHub = async (name: AgencyName) =>
      Object.fromEntries(
        Object.entries(await connectorCursors(stack, name)).filter(
          ([stream]) => !stream.startsWith('deletions:'),
        ),
      );
    const before = { hospital: await throughHub('hospital'), gp: await throughHub('gp') };
    const readAt = new Date().toISOString();
    // More failed cycles: the cursors stay where they were.
    await hubFailure('hospital', readAt);
    await hubFailure('gp', readAt);
    expect({ hospital: await throughHub('hospital'), gp: await throughHub('gp') }).toEqual(before);
    expect(before.gp.feed).toBeDefined();
    // The hospital's Encounter cursor is short of every change made while the hub was away.
    const firstWhileDown = await lastUpdatedAtHospital(
      stack.hospital.baseUrl,
      stack.encounterSystem,
      whileDown[0],
    );
    expect(before.hospital['pull:Encounter'] < firstWhileDown).toBe(true);

    await stack.startHub(port);
    const all = [...first, ...inFlight, ...whileDown];
    await untilAtGp(stack, all);
    await stack.processes.until('the outbox routed and the GP feed acknowledged', async () => {
      const status = await stack.syncStatus();
      return status.outboxBacklog === 0 && (await stack.pending('gp')) === 0;
    });
    expect(await hubCopies(stack, all)).toEqual(onceEach(all));
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
  }, 120_000);
});

async function lastUpdatedAtHospital(base: string, system: string, value: string): Promise<string> {
  const res = await fetch(`${base}/Encounter?identifier=${encodeURIComponent(`${system}|${value}`)}`);
  const lastUpdated = ((await res.json()) as Bundle).entry?.[0]?.resource?.meta?.lastUpdated;
  if (!lastUpdated) throw new Error(`no encounter ${value} at the hospital`);
  return lastUpdated;
}
