import type { Patient } from 'fhir/r4';
import {
  auditCaughtUp,
  registerAgency,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestAgency,
  type TestHub,
} from '@passerelle/testing';
import { Client } from 'pg';

/** The projector's advisory lock (libs/audit, `audit_project`): held, no hub projects. */
const PROJECTOR_LOCK = 7020414;

/**
 * /metrics shows how far the searchable audit table (`audit_event`) is behind the durable log
 * (`audit_log`): records committed but not yet projected, and the age of the oldest; both 0 once
 * the projection has caught up; the records each hub's projector moved are counted.
 */
describe('the audit projection lag on /metrics', () => {
  let hub: TestHub;
  let agency: TestAgency;
  let sql: Client;

  const lag = async () => {
    const text = await (
      await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
    ).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return {
      records: value('passerelle_audit_projection_lag_records'),
      seconds: value('passerelle_audit_projection_lag_seconds'),
      projected: value('passerelle_audit_records_projected_total'),
    };
  };

  beforeAll(async () => {
    hub = await startTestHub('postgres');
    agency = await registerAgency(hub, { id: 'lag-hospital' });
    const config = hub.database.config;
    if (config.kind !== 'postgres') throw new Error('a PostgreSQL hub');
    sql = new Client({ connectionString: config.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await hub?.close();
  });

  it('counts the records no hub has projected yet, and reads 0 once projected', async () => {
    const token = await agency.token();
    const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Retard' }], gender: 'male' };
    const created = await fetch(`${hub.fhir}/Patient`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(patient),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as Patient).id ?? '';

    await sql.query('BEGIN');
    await sql.query('SELECT pg_advisory_xact_lock($1)', [PROJECTOR_LOCK]);
    for (let i = 0; i < 3; i++) {
      const read = await fetch(`${hub.fhir}/Patient/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.status).toBe(200);
    }
    const behind = await lag();
    expect(behind.records).toBeGreaterThanOrEqual(3);
    expect(behind.seconds).toBeGreaterThanOrEqual(0);
    await sql.query('ROLLBACK');

    // The hub's own projector moves them at one of its next rounds, and counts them (the counter
    // moves just after the round's commit: a scrape in between sees the lag at 0, the count not yet).
    const moved = behind.projected + behind.records;
    let now = await lag();
    for (let i = 0; i < 300 && (now.records > 0 || now.projected < moved); i++) {
      await new Promise((r) => setTimeout(r, 100));
      now = await lag();
    }
    expect(now.records).toBe(0);
    expect(now.seconds).toBe(0);
    expect(now.projected).toBeGreaterThanOrEqual(moved);

    await auditCaughtUp(sql);
    expect(await lag()).toMatchObject({ records: 0, seconds: 0 });
  });
});
