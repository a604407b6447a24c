import type { Encounter } from 'fhir/r4';
import { atGp, untilAtGp } from '../faults/delivery';
import { type StackOptions, SyncStack } from '../faults/stack';

/**
 * A stay deleted at the hospital, and one marked entered-in-error there, reach the GP through
 * the built apps as processes (hospital connector, hub, routing, GP connector): the GP keeps its
 * copy marked entered-in-error (the default), or deletes it (DELETIONS_APPLY=delete).
 *
 * On PostgreSQL the production topology (a worker process on BullMQ, the GP marking), on PGlite
 * the embedded default (routing inside the hub, the GP deleting).
 */
const TOPOLOGIES: [string, StackOptions][] = [
  [
    'PostgreSQL, a worker process and Redis; the GP marks',
    {
      hubStore: 'postgres',
      redis: 'shared',
      connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
    },
  ],
  [
    'PGlite, routing in the hub; the GP deletes',
    {
      hubStore: 'pglite',
      redis: 'none',
      connectorEnv: {
        hospital: { PUBLISH_TYPES: 'Patient,Encounter' },
        gp: { PUBLISH_TYPES: 'Patient', DELETIONS_APPLY: 'delete' },
      },
    },
  ],
];

describe.each(TOPOLOGIES)('deletions at the hospital reach the GP on %s', (_name, options) => {
  const stack = new SyncStack(options);
  const deletes = options.connectorEnv?.gp?.DELETIONS_APPLY === 'delete';
  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  const hospitalStay = async (value: string): Promise<Encounter> => {
    const res = await fetch(
      `${stack.hospital.baseUrl}/Encounter?identifier=${encodeURIComponent(`${stack.encounterSystem}|${value}`)}`,
    );
    const found = ((await res.json()) as { entry?: { resource: Encounter }[] }).entry ?? [];
    if (found.length !== 1) throw new Error(`${value}: ${found.length} at the hospital`);
    return found[0].resource;
  };
  const gpStay = async (value: string): Promise<Encounter[]> =>
    ((await atGp(stack, 'Encounter', stack.encounterSystem, [value])).get(value) ?? []) as Encounter[];

  it('withdraws the GP’s copy of a stay the hospital deleted', async () => {
    const patient = await stack.hospitalPatient();
    const [value, other] = await stack.writeEncounters('DELETED', 2, patient);
    await untilAtGp(stack, [value, other]);

    const stay = await hospitalStay(value);
    const res = await fetch(`${stack.hospital.baseUrl}/Encounter/${stay.id}`, { method: 'DELETE' });
    expect(res.status).toBe(200);

    await stack.processes.until(
      'the GP’s copy withdrawn',
      async () => {
        const copies = await gpStay(value);
        return deletes ? copies.length === 0 : copies.length === 1 && copies[0].status === 'entered-in-error';
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    // The other stay is untouched, and the hub no longer holds the deleted one.
    expect((await gpStay(other)).map((e) => e.status)).toEqual(['finished']);
    const atHub = await stack.hubJson<{ entry?: unknown[] }>(
      `/fhir/Encounter?identifier=${encodeURIComponent(`${stack.encounterSystem}|${value}`)}`,
      'hospital',
    );
    expect(atHub.entry ?? []).toEqual([]);
    const health = await stack.connectorHealth('gp');
    expect(health.sync.totals).toMatchObject({ applyWithdrawn: 1 });
    expect((await stack.connectorHealth('hospital')).sync.totals).toMatchObject({ withdrawn: 1 });
  }, 120_000);

  it('passes on a stay marked entered-in-error at the hospital as the GP’s profile says', async () => {
    const patient = await stack.hospitalPatient();
    const [value] = await stack.writeEncounters('IN-ERROR', 1, patient);
    await untilAtGp(stack, [value]);
    const stay = await hospitalStay(value);
    const res = await fetch(`${stack.hospital.baseUrl}/Encounter/${stay.id}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/fhir+json' },
      body: JSON.stringify({ ...stay, status: 'entered-in-error' }),
    });
    expect(res.status).toBe(200);
    await stack.processes.until(
      'the GP’s copy in error',
      async () => {
        const copies = await gpStay(value);
        return deletes ? copies.length === 0 : copies.length === 1 && copies[0].status === 'entered-in-error';
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 120_000);
});
