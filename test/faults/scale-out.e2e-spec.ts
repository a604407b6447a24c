import { mkdtempSync, rmSync } from 'node:fs';
import { auditCaughtUp } from '@passerelle/testing';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChainVerification } from '@passerelle/audit';
import { HubTokenProvider } from '../../apps/connector/src';
import { registerConnectorAgency, type RegisteredAgency } from '../../apps/connector/src/connector.testing';
import { gpCopies, hubCopies, onceEach, untilAtGp } from './delivery';
import { ScaleOutStack } from './scale-out-stack';
import { ADMIN_TOKEN } from './stack';

/**
 * Two hubs and two workers on one PostgreSQL and one Redis, as processes, behind the test's own
 * round-robin (scale-out-stack.ts): the hospital's and the GP's connectors push and read through
 * both hubs, every change reaches the GP once, one hub is killed with SIGKILL while writes are
 * held inside their transactions and no acknowledged write is lost, and the audit trail the
 * four processes wrote to is one chain. The jti store and the rate limit across hubs are in
 * scale-out-limits.e2e-spec.ts (they need a low limit that the connectors here would hit).
 */
const WRITERS = 6;
const MRN = 'https://clinic.example.org/mrn';

describe('scale-out: two hubs and two workers on one database', () => {
  const stack = new ScaleOutStack({
    connectorEnv: { hospital: { PUBLISH_TYPES: 'Patient,Encounter' }, gp: { PUBLISH_TYPES: 'Patient' } },
  });
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-scale-out-'));
  let first: string[] = [];

  beforeAll(() => stack.start(), 180_000);
  afterAll(async () => {
    await stack.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /** Until every change is routed and the GP has acknowledged its whole feed. */
  const settled = () =>
    stack.processes.until(
      'the outbox routed and the GP feed acknowledged',
      async () => {
        const status = await stack.syncStatus();
        return status.outboxBacklog === 0 && (await stack.pending('gp')) === 0;
      },
      { timeoutMs: 60_000 },
    );

  it('connectors push and read through both hubs, and each change reaches the GP once', async () => {
    const patient = await stack.hospitalPatient();
    first = await stack.writeEncounters('SCALE-A', 20, patient);
    await untilAtGp(stack, first);
    await settled();

    const { missing, copies } = await gpCopies(stack, first);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(first));
    expect(await hubCopies(stack, first)).toEqual(onceEach(first));
    for (const hub of [0, 1]) {
      expect(stack.front.count(hub, 'POST', /^\/fhir\/?$/)).toBeGreaterThan(0); // pushes
      expect(stack.front.count(hub, 'GET', '/fhir/$changes')).toBeGreaterThan(0); // feed reads
      expect(stack.front.count(hub, 'POST', '/fhir/$changes')).toBeGreaterThan(0); // acknowledgements
    }
  }, 120_000);

  it('a hub killed mid-transaction loses no acknowledged write, and the other hub carries on', async () => {
    const clinic: RegisteredAgency = await registerConnectorAgency(
      stack.front.url,
      ADMIN_TOKEN,
      { id: 'clinic-writer', kind: 'hospital' },
      { dir },
    );
    const token = await new HubTokenProvider({
      url: stack.front.url,
      clientId: clinic.id,
      key: { privateKey: clinic.privateKey, kid: clinic.kid, alg: 'ES384' },
      scope: 'system/*.cruds',
      purposeOfUse: 'TREAT',
    }).token();
    const acknowledged: { id: string; hub: string }[] = [];
    const failures: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const res = await fetch(`${stack.front.url}/fhir/Patient`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
          body: JSON.stringify({
            resourceType: 'Patient',
            identifier: [{ system: MRN, value: `W${w}-${i}` }],
          }),
          signal: AbortSignal.timeout(30_000),
        });
        if (res.status === 201) {
          const { id } = (await res.json()) as { id: string };
          acknowledged.push({ id, hub: res.headers.get('x-upstream') ?? '?' });
        } else {
          failures.push(`${res.status} from hub ${res.headers.get('x-upstream') ?? '?'}`);
          await res.body?.cancel();
        }
      }
    };
    const load = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
    await stack.processes.until('writes acknowledged by both hubs', () =>
      Promise.resolve(['0', '1'].every((h) => acknowledged.filter((a) => a.hub === h).length >= 5)),
    );

    // Every writer's next request stops inside its transaction, at the outbox insert, on both hubs.
    const lock = await stack.pg();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE sync_outbox IN EXCLUSIVE MODE');
    try {
      await stack.processes.until('every writer held mid-transaction', async () => {
        const [{ n }] = await stack.sql<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%INSERT INTO sync_outbox%'`,
        );
        return n >= WRITERS && (stack.front.inFlight[0] ?? 0) > 0;
      });
      expect((await stack.hubs[0].kill('SIGKILL')).signal).toBe('SIGKILL');
    } finally {
      await lock.query('COMMIT');
      await lock.end();
    }
    const atKill = acknowledged.length;
    await stack.processes.until('more writes acknowledged by the other hub', () =>
      Promise.resolve(acknowledged.length >= atKill + 20),
    );
    stop = true;
    await load;

    // The killed hub's requests in flight were answered 502 by the front: never acknowledged.
    expect(failures.length).toBeGreaterThan(0);
    expect(failures.filter((f) => f !== '502 from hub 0')).toEqual([]);
    const ids = acknowledged.map((a) => a.id);
    const stored = await stack.sql<{ id: string }>(
      `SELECT id FROM resource WHERE resource_type = 'Patient' AND source_agency = $1 AND NOT deleted`,
      [clinic.id],
    );
    // Every acknowledged write is there, and nothing else: the killed transactions left no row.
    expect(stored.map((r) => r.id).sort()).toEqual([...ids].sort());
    await auditCaughtUp({ query: (sql) => stack.sql(sql) });
    const [{ unaudited }] = await stack.sql<{ unaudited: number }>(
      `SELECT count(*)::int AS unaudited FROM unnest($1::text[]) AS ack(id)
        WHERE NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.interaction = 'create' AND a.patient_id = ack.id)`,
      [ids],
    );
    expect(unaudited).toBe(0);

    // The hub comes back where it was; changes keep reaching the GP once, through both hubs again.
    await stack.startHubAt(0, stack.hubs[0].port);
    const patient = await stack.hospitalPatient();
    const after = await stack.writeEncounters('SCALE-B', 10, patient);
    const all = [...first, ...after];
    await untilAtGp(stack, all);
    await settled();
    const { missing, copies } = await gpCopies(stack, all);
    expect(missing).toEqual([]);
    expect(copies).toEqual(onceEach(all));
  }, 180_000);

  it('leaves one audit chain, with no gap or fork, that each hub verifies against the checkpoints', async () => {
    const [chain] = await stack.sql<{ n: number; last: number; links: number }>(
      `SELECT count(*)::int AS n, max(seq)::int AS last, count(DISTINCT prev_hash)::int AS links FROM audit_log`,
    );
    expect(chain.n).toBeGreaterThan(50);
    expect(chain.last).toBe(chain.n); // no gap
    expect(chain.links).toBe(chain.n); // no fork: no two records link to the same predecessor
    for (const hub of stack.hubs) {
      const res = await fetch(`${hub.url}/admin/audit/verify`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      expect(res.status).toBe(200);
      const verification = (await res.json()) as ChainVerification;
      expect(verification).toMatchObject({ ok: true, problems: [] });
      expect(verification.checked).toBeGreaterThanOrEqual(chain.n);
      // Both hubs signed checkpoints into one directory, and the chain passes through them all.
      expect(verification.checkpoints?.used).toBeGreaterThan(1);
      expect(verification.checkpoints?.problems).toEqual([]);
    }
    // Every process is still up: the two hubs (one of them restarted) and the two workers.
    expect([...stack.hubs, ...stack.workers].map((p) => [p.name, p.exit])).toEqual(
      [...stack.hubs, ...stack.workers].map((p) => [p.name, undefined]),
    );
  }, 60_000);
});
