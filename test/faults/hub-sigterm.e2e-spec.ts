import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyAuditChain } from '@passerelle/audit';
import { openDatabase } from '@passerelle/store';
import {
  createTestDatabase,
  registerAgency,
  STORE_KINDS,
  TEST_ADMIN_TOKEN,
  TEST_CHECKPOINT_KEY,
  type TestDatabase,
  auditCaughtUp,
} from '@passerelle/testing';
import { type AppChild, Processes } from '../support/processes';

const MRN = 'https://hospital.example.org/mrn';
const WRITERS = 8;
/** No request may hang: each is given up (and counted as not acknowledged) after this. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Finishing what is in flight takes well under this. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * SIGTERM to a real hub process (the built app) while agencies write: the hub stops accepting,
 * answers what is in flight, writes the audit, then closes the database. Every write it
 * acknowledged (201) must be stored, with its audit record, and the chain must be whole.
 */
describe.each(STORE_KINDS)('SIGTERM under a write load on %s', (kind) => {
  const processes = new Processes();
  let database: TestDatabase;
  let hub: AppChild;
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-sigterm-'));

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const db = database.config;
    hub = await processes.app('hub', {
      env: {
        ADMIN_TOKEN: TEST_ADMIN_TOKEN,
        RATE_LIMIT: '1000000',
        RATE_LIMIT_PER_IP: '1000000',
        AUDIT_CHECKPOINT_KEY: TEST_CHECKPOINT_KEY,
        AUDIT_CHECKPOINT_DIR: join(dir, 'audit-checkpoints'),
        ...(db.kind === 'postgres' ? { DATABASE_URL: db.url } : { DATA_DIR: db.dataDir }),
        MAILROOM_DIR: join(dir, 'mailroom'),
        SYNC_WORKER: 'in-process',
      },
    });
  });
  afterAll(async () => {
    await processes.stopAll();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write and leaves every acknowledged write audited', async () => {
    const agency = await registerAgency(hub, { id: 'hospital-sigterm' });
    const token = await agency.token();
    const acknowledged: string[] = [];
    /** Every answer but a success: only 503 (closing) may come while the hub stops. */
    const failures: number[] = [];
    let stopping = false;
    /** Sends requests one after another until the hub is gone; a request that hangs fails the test. */
    const loop = async (send: (i: number) => Promise<Response>, ok: (res: Response) => Promise<void>) => {
      for (let i = 0; ; i++) {
        try {
          const res = await send(i);
          if (res.status === 200 || res.status === 201) await ok(res);
          else {
            failures.push(res.status);
            await res.body?.cancel();
          }
        } catch (e) {
          // Refused connections once the hub stopped listening; a timeout would be a hung request.
          if (e instanceof Error && e.name === 'TimeoutError') throw e;
          if (stopping) return;
        }
        if (hub.exit) return;
      }
    };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' };
    const writer = (w: number) =>
      loop(
        (i) =>
          fetch(`${hub.url}/fhir/Patient`, {
            method: 'POST',
            headers,
            body: JSON.stringify({
              resourceType: 'Patient',
              identifier: [{ system: MRN, value: `SIGTERM-${w}-${i}` }],
            }),
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        async (res) => {
          acknowledged.push(((await res.json()) as { id: string }).id);
        },
      );
    // Reads too: each is audited through the group commit, which must outlive every request.
    const reader = () =>
      loop(
        () =>
          fetch(`${hub.url}/fhir/Patient?_count=5&_total=none`, {
            headers,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          }),
        async (res) => {
          await res.body?.cancel();
        },
      );
    const load = Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), reader(), reader()]);
    await processes.until('some acknowledged writes', () => Promise.resolve(acknowledged.length >= 50));
    stopping = true;
    const exit = await Promise.race([
      hub.kill('SIGTERM'),
      new Promise<never>((_, reject) =>
        setTimeout(
          () => reject(new Error(`the hub did not stop within ${STOP_TIMEOUT_MS} ms:\n${hub.output()}`)),
          STOP_TIMEOUT_MS,
        ).unref(),
      ),
    ]);
    await load;
    expect(exit.signal === 'SIGTERM' || exit.code === 0).toBe(true);
    // The hub logs JSON lines: an error is `"level":"error"` (or fatal).
    expect(hub.output()).not.toMatch(/AuditWriter is closed|ERROR|"level":"(error|fatal)"/);
    expect(acknowledged.length).toBeGreaterThanOrEqual(50);
    expect(failures.filter((status) => status !== 503)).toEqual([]);

    const opened = await openDatabase(database.config, { migrate: false });
    try {
      const ds = opened.dataSource;
      const stored = await ds.query<{ id: string }[]>(
        `SELECT id FROM resource WHERE resource_type = 'Patient' AND id = ANY($1::text[]) AND NOT deleted`,
        [acknowledged],
      );
      expect(stored.length).toBe(acknowledged.length);
      // The records are in the log (committed with each write); the projection catches up from it.
      await auditCaughtUp(ds);
      const audited = await ds.query<{ patient_id: string }[]>(
        `SELECT DISTINCT patient_id FROM audit_event
          WHERE interaction = 'create' AND outcome = '0' AND patient_id = ANY($1::text[])`,
        [acknowledged],
      );
      expect(audited.length).toBe(acknowledged.length);
      // Nothing written without its record either: every stored Patient of the agency is audited.
      const [{ unaudited }] = await ds.query<{ unaudited: number }[]>(
        `SELECT count(*)::int AS unaudited FROM resource r
          WHERE r.resource_type = 'Patient' AND r.source_agency = 'hospital-sigterm'
            AND NOT EXISTS (SELECT 1 FROM audit_event a WHERE a.interaction = 'create' AND a.patient_id = r.id)`,
      );
      expect(unaudited).toBe(0);
      expect((await verifyAuditChain(ds.manager)).ok).toBe(true);
    } finally {
      await opened.close();
    }
  });
});
