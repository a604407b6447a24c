import type { AuditEvent, Bundle, Consent, Patient } from 'fhir/r4';
import { actor, privacyConsent, purpose } from '../support/consents';
import { atGp, untilAtGp } from './delivery';
import { SyncStack } from './stack';

/**
 * Fault: consent revoked while 100 jobs are queued. Under the explicit model
 * the patient's opt-in lets the GP receive hospital stays (one is delivered, to show the path
 * works). With no worker running, 100 more stays reach the hub: 100 outbox rows wait. The
 * hospital then records the revocation (the opt-in made inactive), and a worker starts: routing
 * asks consent as it is now, so 0 of the 100 are disclosed (no feed row, nothing in the GP's
 * feed or server) and each denial is audited once: 100 denied `route` AuditEvents.
 */
describe('fault: consent revoked while 100 jobs are queued', () => {
  const stack = new SyncStack({
    hubStore: 'postgres',
    redis: 'dedicated',
    sharedEnv: { CONSENT_MODEL: 'explicit' },
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });

  beforeAll(() => stack.start(), 120_000);
  afterAll(() => stack.close(), 60_000);

  it('discloses none of them and audits 100 denials', async () => {
    const local = await stack.hospitalPatient();
    const patient = await hubPatient(stack, local);
    const optIn = await stack.hubJson<Consent>('/fhir/Consent', 'hospital', {
      method: 'POST',
      scope: 'system/*.cruds',
      body: privacyConsent(patient, stack.hospital.id, {
        type: 'permit',
        actor: [actor(stack.gp.server.id)],
        purpose: [purpose('TREAT')],
      }),
    });
    const before = await stack.writeEncounters('CONSENT-A', 1, local);
    await untilAtGp(stack, before);

    // No worker (stopped as an orchestrator does): the changes wait in the outbox.
    await stack.workers[0].kill('SIGTERM');
    const queued = await stack.writeEncounters('CONSENT-B', 100, local);
    await stack.processes.until('100 rows in the outbox', async () => {
      const { outboxBacklog } = await stack.syncStatus();
      return outboxBacklog === queued.length || undefined;
    });
    await stack.hubJson<Consent>(`/fhir/Consent/${optIn.id}`, 'hospital', {
      method: 'PUT',
      scope: 'system/*.cruds',
      body: { ...optIn, status: 'inactive' },
    });
    const revokedAt = new Date().toISOString();
    await stack.startWorker();
    await stack.processes.until(
      'the outbox routed',
      async () => (await stack.syncStatus()).outboxBacklog === 0,
    );

    // 100 denials, once each: the hub's own records (operators and the patient's report see
    // them), never in the GP's audit trail, which would tell it that something was held back.
    const denied = await stack.processes.until('100 denied route records', async () => {
      const events = (await routeAudits(stack, revokedAt)).filter((e) => e.outcome === '4');
      return events.length >= queued.length && events;
    });
    expect(denied).toHaveLength(queued.length);
    const requests = new Set(
      denied.map((e) => e.entity?.find((x) => x.what?.identifier)?.what?.identifier?.value),
    );
    expect(requests.size).toBe(queued.length);
    for (const e of denied)
      expect(e.entity?.map((x) => x.what?.reference ?? x.what?.type)).toEqual(
        // The patient, and which stay was held back.
        expect.arrayContaining([`Patient/${patient}`, expect.stringMatching(/^Encounter\/[\w-]+$/)]),
      );

    expect((await gpAudits(stack, revokedAt)).filter((e) => JSON.stringify(e).includes('"route"'))).toEqual(
      [],
    );

    // 0 disclosures: no feed row was written for them, and the GP neither reads nor holds any.
    // (The feed hides the stay delivered before too: the revocation holds at read time as well.)
    const [feedRows] = await stack.sql<{ n: string }>(
      `SELECT count(*) AS n FROM sync_feed f
         JOIN resource r ON r.resource_type = f.resource_type AND r.id = f.resource_id
        WHERE f.agency_id = $1 AND r.content->'identifier'->0->>'value' = ANY($2)`,
      [stack.gp.server.id, queued],
    );
    expect(Number(feedRows.n)).toBe(0);
    const fed = (await stack.feed('gp')).map(
      (e) => (e.resource as { identifier?: { value?: string }[] } | undefined)?.identifier?.[0]?.value,
    );
    expect(fed.filter((v) => v !== undefined && queued.includes(v))).toEqual([]);
    const settledAt = new Date().toISOString();
    await stack.processes.until('a GP apply cycle after routing', async () => {
      const { lastApplyAt } = (await stack.connectorHealth('gp')).sync;
      return lastApplyAt !== null && lastApplyAt > settledAt;
    });
    expect((await atGp(stack, 'Encounter', stack.encounterSystem, queued)).size).toBe(0);
    expect((await atGp(stack, 'Encounter', stack.encounterSystem, before)).size).toBe(1);
  }, 120_000);
});

/** The hub's id of the hospital's patient record (by its record number). */
async function hubPatient(stack: SyncStack, localId: string): Promise<string> {
  const local = (await (await fetch(`${stack.hospital.baseUrl}/Patient/${localId}`)).json()) as Patient;
  const mrn = local.identifier?.[0];
  const found = await stack.hubJson<Bundle>(
    `/fhir/Patient?identifier=${encodeURIComponent(`${mrn?.system}|${mrn?.value}`)}`,
    'hospital',
  );
  const id = found.entry?.[0]?.resource?.id;
  if (!id) throw new Error('the hospital patient is not at the hub');
  return id;
}

/** The GP's `route` AuditEvents since `since`, every page. */
/** The routing records since `since`, read by an operator. */
async function routeAudits(stack: SyncStack, since: string): Promise<AuditEvent[]> {
  const events: AuditEvent[] = [];
  const base = `/admin/audit/events?agency=hub&subtype=route&since=${encodeURIComponent(since)}&count=500`;
  let after: number | undefined;
  do {
    const page = await stack.hubJson<{ events: AuditEvent[]; next?: number }>(
      after === undefined ? base : `${base}&after=${after}`,
      'admin',
    );
    events.push(...page.events);
    after = page.next;
  } while (after !== undefined);
  return events;
}

/** The GP's own audit trail since `since`, through the FHIR API. */
async function gpAudits(stack: SyncStack, since: string): Promise<AuditEvent[]> {
  const page: Bundle = await stack.hubJson<Bundle>(`/fhir/AuditEvent?date=ge${since}&_count=500`, 'gp');
  return (page.entry ?? []).map((e) => e.resource as AuditEvent);
}
