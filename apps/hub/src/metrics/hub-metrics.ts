import { Inject, Injectable } from '@nestjs/common';
import type { ConsentInputCounts, Decision } from '@passerelle/consent';
import { QUEUE_DRIVER, QUEUE_NAMES, type QueueDriver } from '@passerelle/sync';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { registerMemoryGauges } from './memory-gauges';

/**
 * One read shared by the gauges a scrape fills from it: the registry collects every metric at
 * once, so each gauge awaits the read the first of them started (a gauge filled by another's
 * collect would print before that collect ends, showing the previous scrape's value).
 */
function oncePerScrape<T>(read: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () =>
    (pending ??= read().finally(() => {
      pending = undefined;
    }));
}

/**
 * What an operator watches, in Prometheus' text format at /metrics (docs/operations.md,
 * Metrics). Counters and histograms are this process's (sum them across hubs); the gauges read
 * the shared database and queues at each scrape, so every hub reports the same values. Labels
 * carry route templates, outcomes, reasons, states, queue and agency ids: never patient data.
 */
@Injectable()
export class HubMetrics {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'passerelle_http_requests_total',
    help: 'HTTP requests answered, by method, route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly requestSeconds = new Histogram({
    name: 'passerelle_http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route template',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly decisions = new Counter({
    name: 'passerelle_consent_decisions_total',
    help: 'Consent decisions on disclosures by this hub, by outcome (permit, deny) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly flushSeconds = new Histogram({
    name: 'passerelle_audit_flush_duration_seconds',
    help: 'Time for one audit flush (a group of records, one transaction) to commit',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly flushRecords = new Counter({
    name: 'passerelle_audit_records_flushed_total',
    help: 'Audit records committed by the group-commit writer',
    registers: [this.registry],
  });

  private readonly projectSeconds = new Histogram({
    name: 'passerelle_audit_projection_seconds',
    help: "Time for one round of this hub's audit projector (records moved from the log into audit_event)",
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });

  private readonly projectedRecords = new Counter({
    name: 'passerelle_audit_records_projected_total',
    help: "Audit records this hub's projector moved from the log into audit_event",
    registers: [this.registry],
  });

  constructor(
    private readonly dataSource: DataSource,
    @Inject(QUEUE_DRIVER) private readonly queues: QueueDriver,
  ) {
    this.databaseGauges();
    this.queueGauges();
    registerMemoryGauges(this.registry);
  }

  /** Called once per answered request (route: the matched template, or `unmatched`). */
  requestAnswered(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.requestSeconds.observe({ method, route }, seconds);
  }

  consentDecided(decisions: readonly Decision[]): void {
    for (const d of decisions) this.decisions.inc({ outcome: d.permit ? 'permit' : 'deny', reason: d.basis });
  }

  /**
   * Consent-checked reads decided on a person's input this process held (nothing it reads had
   * changed) or after reading it again, counted by the consent source itself.
   */
  countConsentInputs(counts: () => ConsentInputCounts | undefined): void {
    new Counter({
      name: 'passerelle_consent_inputs_total',
      help: "Consent-checked reads by where the person's decision input came from: held (unchanged since read) or read",
      labelNames: ['source'] as const,
      registers: [this.registry],
      collect() {
        const now = counts();
        this.reset();
        this.inc({ source: 'held' }, now?.held ?? 0);
        this.inc({ source: 'read' }, now?.read ?? 0);
      },
    });
  }

  auditFlushed(records: number, ms: number): void {
    this.flushSeconds.observe(ms / 1000);
    this.flushRecords.inc(records);
  }

  /** A projection round that moved records (AuditProjector's `onProjected`). */
  auditProjected(records: number, ms: number): void {
    this.projectSeconds.observe(ms / 1000);
    this.projectedRecords.inc(records);
  }

  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** Read at each scrape from the shared database: one short query each. */
  private databaseGauges(): void {
    const ds = this.dataSource;
    new Gauge({
      name: 'passerelle_outbox_backlog',
      help: 'Changes written but not yet routed to their recipients (sync_outbox rows unrouted)',
      registers: [this.registry],
      async collect() {
        const [row] = await ds.query<{ n: string }[]>(
          'SELECT count(*) AS n FROM sync_outbox WHERE routed_at IS NULL',
        );
        this.set(Number(row?.n ?? 0));
      },
    });
    new Gauge({
      name: 'passerelle_outbox_oldest_unrouted_seconds',
      help: 'Age of the oldest change not yet routed (0 when none waits)',
      registers: [this.registry],
      async collect() {
        const [row] = await ds.query<{ s: string | null }[]>(
          'SELECT extract(epoch FROM now() - min(created_at)) AS s FROM sync_outbox WHERE routed_at IS NULL',
        );
        this.set(Number(row?.s ?? 0));
      },
    });
    // The log's primary key and month partitions after the cursor: the few records behind.
    const projectionLag = oncePerScrape(() =>
      ds
        .query<{ n: string; s: string | null }[]>(
          `SELECT count(*) AS n, extract(epoch FROM now() - min(l.appended_at)) AS s
             FROM audit_projection p JOIN audit_log l ON l.seq > p.through AND l.appended_at >= p.through_at`,
        )
        .then(([row]) => ({ n: Number(row?.n ?? 0), s: Math.max(0, Number(row?.s ?? 0)) })),
    );
    new Gauge({
      name: 'passerelle_audit_projection_lag_records',
      help: 'Audit records committed to the log (audit_log) but not yet projected into audit_event',
      registers: [this.registry],
      async collect() {
        this.set((await projectionLag()).n);
      },
    });
    new Gauge({
      name: 'passerelle_audit_projection_lag_seconds',
      help: 'Age of the oldest audit record not yet projected into audit_event (0 when none waits)',
      registers: [this.registry],
      async collect() {
        this.set((await projectionLag()).s);
      },
    });
    // Every agency (those caught up read 0, not a stale value), with its unacknowledged items.
    const feeds = oncePerScrape(async () => {
      const agencies = await ds.query<{ id: string }[]>('SELECT id FROM agency');
      const rows = await ds.query<{ agency_id: string; n: string; s: string }[]>(
        `SELECT agency_id, count(*) AS n, extract(epoch FROM now() - min(routed_at)) AS s
           FROM sync_feed WHERE acknowledged_at IS NULL GROUP BY agency_id`,
      );
      const byAgency = new Map(agencies.map(({ id }) => [id, { pending: 0, lagSeconds: 0 }]));
      for (const r of rows) byAgency.set(r.agency_id, { pending: Number(r.n), lagSeconds: Number(r.s) });
      return byAgency;
    });
    new Gauge({
      name: 'passerelle_feed_lag_seconds',
      help: "Age of the oldest item in an agency's feed its connector has not acknowledged",
      labelNames: ['agency'] as const,
      registers: [this.registry],
      async collect() {
        const byAgency = await feeds();
        this.reset();
        for (const [agency, feed] of byAgency) this.set({ agency }, feed.lagSeconds);
      },
    });
    new Gauge({
      name: 'passerelle_feed_pending',
      help: "Items in an agency's feed not yet acknowledged by its connector",
      labelNames: ['agency'] as const,
      registers: [this.registry],
      async collect() {
        const byAgency = await feeds();
        this.reset();
        for (const [agency, feed] of byAgency) this.set({ agency }, feed.pending);
      },
    });
    new Gauge({
      name: 'passerelle_letters',
      help: 'Letters by state (held letters wait for an operator)',
      labelNames: ['state'] as const,
      registers: [this.registry],
      async collect() {
        const rows = await ds.query<{ status: string; n: string }[]>(
          'SELECT status, count(*) AS n FROM letter GROUP BY status',
        );
        this.reset();
        for (const state of [
          'new',
          'digital',
          'pending',
          'held',
          'in-run',
          'printed',
          'posted',
          'returned',
          'cancelled',
        ])
          this.set({ state }, 0);
        for (const r of rows) this.set({ state: r.status }, Number(r.n));
      },
    });
  }

  /** Queue depths and dead letters, from the queue driver (BullMQ's Redis, or in-process). */
  private queueGauges(): void {
    const queues = this.queues;
    const counts = oncePerScrape(() =>
      Promise.all(QUEUE_NAMES.map(async (queue) => ({ queue, counts: await queues.counts(queue) }))),
    );
    new Gauge({
      name: 'passerelle_queue_jobs',
      help: 'Jobs in each queue by state: waiting, active, delayed (backing off)',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        for (const { queue, counts: c } of await counts()) {
          this.set({ queue, state: 'waiting' }, c.waiting);
          this.set({ queue, state: 'active' }, c.active);
          this.set({ queue, state: 'delayed' }, c.delayed);
        }
      },
    });
    new Gauge({
      name: 'passerelle_queue_dead_letters',
      help: 'Jobs that failed for good and wait for an operator (docs/queues.md), by queue',
      labelNames: ['queue'] as const,
      registers: [this.registry],
      async collect() {
        for (const { queue, counts: c } of await counts()) this.set({ queue }, c.failed);
      },
    });
  }
}
