import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from 'fhir/r4';
import { DataSource } from 'typeorm';
import {
  registerAgency,
  startTestHub,
  TEST_ADMIN_TOKEN,
  type TestAgency,
  type TestHub,
} from '@passerelle/testing';

/**
 * /metrics behind the operator credential, in Prometheus' text format, with what an operator
 * watches moving as the hub works; and the Grafana dashboard under docker/ asks only for metrics
 * the hub exports.
 */
const DASHBOARD = join(__dirname, '..', '..', 'docker', 'grafana', 'passerelle-dashboard.json');

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus' text exposition format: `# TYPE name kind` lines and `name{labels} value` samples. */
function parseExposition(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type?.[1] && type[2]) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample?.[1] || !sample[3]) throw new Error(`not an exposition line: ${line}`);
    const labels = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [
        m[1],
        m[2],
      ]),
    );
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { types, samples };
}

/** The series names a PromQL expression reads (identifiers followed by `{`, `[`, `)` or a space). */
function metricNamesIn(expr: string): string[] {
  const functions = new Set([
    'sum',
    'max',
    'min',
    'rate',
    'histogram_quantile',
    'by',
    'le',
    'avg',
    'increase',
  ]);
  return [...expr.matchAll(/\b([a-z_:][a-z0-9_:]*)\s*(?=[{[)])/g)]
    .map((m) => m[1] ?? '')
    .filter((name) => !functions.has(name) && name.startsWith('passerelle_'));
}

describe('/metrics', () => {
  let hub: TestHub;
  let agency: TestAgency;

  beforeAll(async () => {
    hub = await startTestHub('pglite');
    agency = await registerAgency(hub, { id: 'metrics-hospital', kind: 'hospital' });
  });
  afterAll(async () => {
    await hub.close();
  });

  const scrape = async () => {
    const res = await fetch(`${hub.url}/metrics`, {
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(await res.text());
  };
  const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);

  it('answers only the operator credential', async () => {
    expect((await fetch(`${hub.url}/metrics`)).status).toBe(401);
    const token = await agency.token();
    expect(
      (await fetch(`${hub.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status,
    ).toBe(401);
  });

  it('counts requests by route template, consent decisions, audit flushes; reads backlogs and letters', async () => {
    const token = await agency.token();
    const patient: Patient = {
      resourceType: 'Patient',
      identifier: [{ system: 'urn:oid:1.2.250.1.71.4.2.7', value: 'metrics-1' }],
      name: [{ family: 'Metrique', given: ['Anne'] }],
      gender: 'female',
      birthDate: '1980-01-02',
    };
    const created = await fetch(`${hub.fhir}/Patient`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
      body: JSON.stringify(patient),
    });
    expect(created.status).toBe(201);
    const id = ((await created.json()) as Patient).id ?? '';
    const before = await scrape();
    for (let i = 0; i < 3; i++) {
      const read = await fetch(`${hub.fhir}/Patient/${id}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(read.status).toBe(200);
    }
    const after = await scrape();

    const reads = { method: 'GET', route: '/fhir/:type/:id', status: '200' };
    expect(value(after.samples, 'passerelle_http_requests_total', reads)).toBe(
      value(before.samples, 'passerelle_http_requests_total', reads) + 3,
    );
    // No URL with its values: the label is the template.
    expect(after.samples.some((s) => s.labels.route?.includes(id))).toBe(false);
    const ownData = { outcome: 'permit', reason: 'own-data' };
    expect(value(after.samples, 'passerelle_consent_decisions_total', ownData)).toBeGreaterThanOrEqual(
      value(before.samples, 'passerelle_consent_decisions_total', ownData) + 3,
    );
    expect(value(after.samples, 'passerelle_audit_flush_duration_seconds_count')).toBeGreaterThan(
      value(before.samples, 'passerelle_audit_flush_duration_seconds_count'),
    );
    expect(value(after.samples, 'passerelle_audit_records_flushed_total')).toBeGreaterThanOrEqual(
      value(before.samples, 'passerelle_audit_records_flushed_total') + 3,
    );
    // Gauges read from the database and the queues at the scrape.
    expect(after.samples.find((s) => s.name === 'passerelle_outbox_backlog')).toBeDefined();
    expect(value(after.samples, 'passerelle_feed_lag_seconds', { agency: 'metrics-hospital' })).toBe(0);
    expect(after.samples.filter((s) => s.name === 'passerelle_letters').map((s) => s.labels.state)).toContain(
      'held',
    );
    expect(after.samples.filter((s) => s.name === 'passerelle_queue_dead_letters').length).toBeGreaterThan(0);
    expect(
      after.samples.filter((s) => s.name === 'passerelle_queue_jobs').map((s) => s.labels.state),
    ).toEqual(expect.arrayContaining(['waiting', 'active', 'delayed']));
  });

  it('reads the feed gauges of one scrape from that scrape, both of them', async () => {
    // An item routed to the agency and not acknowledged, then acknowledged: each scrape shows what
    // the feed held at that scrape (pending was filled by the lag's collect and printed before it
    // ended, showing the previous scrape's value).
    const db = hub.app.get(DataSource);
    await scrape();
    const [{ id }] = await db.query<{ id: string }[]>(
      `INSERT INTO sync_outbox (resource_type, resource_id, version_id, source_agency, routed_at)
       VALUES ('Observation', 'metrics-feed-1', 1, 'elsewhere', now()) RETURNING id`,
    );
    await db.query(
      `INSERT INTO sync_feed (agency_id, outbox_id, resource_type, resource_id, version_id, rule)
       VALUES ('metrics-hospital', $1, 'Observation', 'metrics-feed-1', 1, 'test')`,
      [id],
    );
    const waiting = await scrape();
    expect(value(waiting.samples, 'passerelle_feed_pending', { agency: 'metrics-hospital' })).toBe(1);
    expect(
      value(waiting.samples, 'passerelle_feed_lag_seconds', { agency: 'metrics-hospital' }),
    ).toBeGreaterThan(0);
    await db.query(`UPDATE sync_feed SET acknowledged_at = now() WHERE outbox_id = $1`, [id]);
    const done = await scrape();
    expect(value(done.samples, 'passerelle_feed_pending', { agency: 'metrics-hospital' })).toBe(0);
    expect(value(done.samples, 'passerelle_feed_lag_seconds', { agency: 'metrics-hospital' })).toBe(0);
  });

  it('exports every metric the Grafana dashboard asks for', async () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      panels: { id: number; title: string; targets: { refId: string; expr: string }[] }[];
    };
    const { samples, types } = await scrape();
    const exported = new Set(samples.map((s) => s.name));
    const asked = dashboard.panels.flatMap((p) => p.targets.flatMap((t) => metricNamesIn(t.expr)));
    expect(asked.length).toBeGreaterThanOrEqual(dashboard.panels.length);
    for (const name of asked)
      expect({ name, exported: exported.has(name) }).toEqual({ name, exported: true });
    // rate() only over counters and histogram buckets.
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets)
        for (const m of expr.matchAll(/rate\((passerelle_[a-z_]+)/g)) {
          const name = m[1] ?? '';
          const kind = types.get(name) ?? types.get(name.replace(/_bucket$/, ''));
          expect({ name, kind }).toEqual({ name, kind: name.endsWith('_bucket') ? 'histogram' : 'counter' });
        }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });
});
