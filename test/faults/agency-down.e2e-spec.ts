import { gpCopies, onceEach, untilAtGp } from './delivery';
import { SyncStack } from './stack';

/**
 * Fault: an agency's FHIR server down for a while. The GP practice's server
 * stops listening while the hospital keeps producing; the hub routes the changes into the GP's
 * feed, where they wait. The GP connector's cycles fail after their retries (its /health says
 * so), keeping its feed cursor and acknowledging nothing; once the server is back on the same
 * port with its records, the connector catches up and every change is there exactly once.
 */
describe('fault: an agency FHIR server down for a while', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  it('retries while the GP server is down, then catches up once it is back', async () => {
    const patient = await stack.hospitalPatient();
    const first = await stack.writeEncounters('DOWN-A', 10, patient);
    await untilAtGp(stack, first);

    await stack.gp.stop();
    const stoppedAt = new Date().toISOString();
    const whileDown = await stack.writeEncounters('DOWN-B', 20, patient);
    // Routed and waiting in the GP's feed; the connector failing against its own server.
    await stack.processes.until('the changes waiting in the GP feed', async () => {
      const pending = await stack.pending('gp');
      return pending >= whileDown.length && pending;
    });
    const failing = await stack.processes.until('the GP connector reporting its server down', async () => {
      const { lastError } = (await stack.connectorHealth('gp')).sync;
      return lastError !== null && lastError.at > stoppedAt && lastError.message.startsWith('agency server:')
        ? lastError
        : undefined;
    });
    expect(failing.stage).toMatch(/^(pull|apply)$/);
    expect(stack.connectors.gp?.output()).toMatch(/retry \d+ in \d+ ms/);
    expect(await stack.pending('gp')).toBeGreaterThanOrEqual(whileDown.length);

    await stack.gp.restart();
    const all = [...first, ...whileDown];
    await untilAtGp(stack, all);
    await stack.processes.until('the GP feed acknowledged', async () => (await stack.pending('gp')) === 0);
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
    expect(stack.connectors.gp?.exit).toBeUndefined();
  }, 120_000);
});
