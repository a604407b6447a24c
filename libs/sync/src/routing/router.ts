import type { AuditInput } from '@passerelle/audit';
import { type ConsentDecider, factsOf } from '@passerelle/consent';
import { isSupportedType } from '@passerelle/fhir';
import type { Agency } from '@passerelle/identity';
import type { Db, FhirRepository, StoredResource } from '@passerelle/store';
import type { Identifier, Patient, Resource, ServiceRequest } from 'fhir/r4';
import type { DataSource } from 'typeorm';
import { lockFeedsForInsert } from '../feed/feed';
import { Outbox, type OutboxRow } from '../outbox/outbox';
import {
  DEFAULT_ROUTING_RULES,
  type DirectoryAgency,
  type Recipient,
  recipientsOf,
  referralContext,
  type RouteRule,
  type RoutingRules,
} from './rules';

export interface RouterDependencies {
  dataSource: DataSource;
  repo: FhirRepository;
  consent: ConsentDecider;
  audit: { record(inputs: AuditInput[]): Promise<unknown> };
  /** Every live Patient record of the person of `patientId` (the MPI). */
  linkedPatients(db: Db, patientId: string): Promise<string[]>;
  agencies: { list(): Promise<Agency[]> };
  rules?: RoutingRules;
}

export type RouteOutcome = 'routed' | 'already-routed' | 'gone';

export interface RouteResult {
  outcome: RouteOutcome;
  delivered: number;
  denied: number;
}

/** The purpose of use routing asks consent for: the recipient receives the data for direct care. */
const ROUTING_PURPOSE = 'TREAT';
/** The audit trail's client for what the worker decides. */
export const ROUTER_CLIENT_ID = 'passerelle-worker';

interface FeedItem {
  agency: string;
  rule: RouteRule;
  stored: StoredResource;
  outboxId: string;
}

/**
 * Routes one outbox row: who should receive the change (rules), whether the patient's consent
 * lets each of them (asked per recipient, denied ones audited), and the feed rows of those who
 * may. Idempotent: a routed row is not routed again, feed rows are unique per agency and change.
 */
export class Router {
  private readonly outbox = new Outbox();

  constructor(private readonly deps: RouterDependencies) {}

  async route(outboxId: string): Promise<RouteResult> {
    const db = this.deps.dataSource.manager;
    const row = await this.outbox.pending(db, outboxId);
    if (!row) return { outcome: 'already-routed', delivered: 0, denied: 0 };
    const stored = await this.storedVersion(row);
    // Deletions are not exchanged (each agency keeps its own record); nothing to send for them.
    if (!stored?.json || row.deleted) {
      await this.outbox.markRouted(db, row.id);
      return { outcome: 'gone', delivered: 0, denied: 0 };
    }
    const resource = JSON.parse(stored.json) as Resource;
    const agencies = await this.agencyDirectory();
    const recipients = recipientsOf(
      await this.routingInput(db, row, resource, agencies),
      this.deps.rules ?? DEFAULT_ROUTING_RULES,
    );

    const items: FeedItem[] = recipients.map((r) => ({ ...r, stored, outboxId: row.id }));
    for (const r of recipients.filter((x) => x.rule === 'referral-performer')) {
      items.push(...(await this.referralItems(db, resource as ServiceRequest, r)));
    }

    const { allowed, denied } = await this.decide(db, items, agencies);
    if (denied.length > 0)
      await this.deps.audit.record(denied.map((d) => this.deniedRecord(d, row, agencies)));
    await this.deps.dataSource.transaction(async (tx) => {
      if (allowed.length > 0) await insertFeed(tx, allowed);
      await this.outbox.markRouted(tx, row.id);
    });
    return { outcome: 'routed', delivered: allowed.length, denied: denied.length };
  }

  private async storedVersion(row: OutboxRow): Promise<StoredResource | undefined> {
    if (!isSupportedType(row.resourceType)) return undefined;
    return this.deps.repo.version(row.resourceType, row.resourceId, String(row.versionId));
  }

  private async routingInput(db: Db, row: OutboxRow, resource: Resource, agencies: DirectoryAgency[]) {
    const patientIds = row.patientId ? await this.deps.linkedPatients(db, row.patientId) : [];
    const personRecords: { patient: Patient; sourceAgency: string | null }[] = [];
    for (const id of patientIds) {
      const current = await this.deps.repo.current('Patient', id, db);
      if (current?.json && !current.deleted)
        personRecords.push({
          patient: JSON.parse(current.json) as Patient,
          sourceAgency: current.sourceAgency,
        });
    }
    const orgRefs = new Set<string>();
    for (const { patient } of personRecords)
      for (const ref of patient.generalPractitioner ?? []) if (ref.reference) orgRefs.add(ref.reference);
    if (resource.resourceType === 'ServiceRequest')
      for (const ref of (resource as ServiceRequest).performer ?? [])
        if (ref.reference) orgRefs.add(ref.reference);
    const organizations = new Map<string, Identifier[]>();
    for (const ref of orgRefs) {
      const id = ref.match(/^Organization\/([A-Za-z0-9\-.]{1,64})$/)?.[1];
      const org = id ? await this.deps.repo.current('Organization', id, db) : undefined;
      if (org?.json)
        organizations.set(ref, (JSON.parse(org.json) as { identifier?: Identifier[] }).identifier ?? []);
    }
    return {
      resource,
      sourceAgency: row.sourceAgency,
      personRecords,
      organizations,
      agencies,
      subscriptions: await subscriptions(db),
    };
  }

  /** A referral's performer also gets the patient record and what the referral cites, as they are now. */
  private async referralItems(db: Db, request: ServiceRequest, to: Recipient): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (const ref of referralContext(request)) {
      const [type, id] = ref.split('/');
      if (!isSupportedType(type)) continue;
      const stored = await this.deps.repo.current(type, id, db);
      if (!stored?.json || stored.deleted) continue;
      const outbox: { id: string }[] = await db.query(
        'SELECT id FROM sync_outbox WHERE resource_type = $1 AND resource_id = $2 AND version_id = $3',
        [stored.type, stored.id, stored.versionId],
      );
      if (outbox[0])
        items.push({ agency: to.agency, rule: 'referral-context', stored, outboxId: String(outbox[0].id) });
    }
    return items;
  }

  private async decide(db: Db, items: FeedItem[], agencies: DirectoryAgency[]) {
    const allowed: FeedItem[] = [];
    const denied: (FeedItem & { basis: string })[] = [];
    for (const item of items) {
      const agency = agencies.find((a) => a.id === item.agency);
      if (!agency) continue;
      const [decision] = await this.deps.consent.decideAll(
        db,
        { agency: agency.id, agencyKind: agency.kind, purposeOfUse: ROUTING_PURPOSE },
        [factsOf(item.stored)],
      );
      if (decision.permit) allowed.push(item);
      else denied.push({ ...item, basis: decision.basis });
    }
    return { allowed, denied };
  }

  private deniedRecord(
    item: FeedItem & { basis: string },
    row: OutboxRow,
    agencies: DirectoryAgency[],
  ): AuditInput {
    return {
      interaction: 'operation',
      operation: 'route',
      outcome: 'denied',
      outcomeDesc: item.basis,
      agency: item.agency,
      agencyKind: agencies.find((a) => a.id === item.agency)?.kind,
      clientId: ROUTER_CLIENT_ID,
      purposeOfUse: ROUTING_PURPOSE,
      patientId: item.stored.patientId ?? undefined,
      resourceType: item.stored.type,
      resourceId: item.stored.id,
      requestId: `route:${row.id}`,
    };
  }

  /** Read for every change (a small table): an agency registered a moment ago receives at once. */
  private async agencyDirectory(): Promise<DirectoryAgency[]> {
    return (await this.deps.agencies.list())
      .filter((a) => a.status === 'active')
      .map((a) => ({ id: a.id, kind: a.kind, identifiers: a.organization.identifier ?? [] }));
  }
}

async function insertFeed(db: Db, items: FeedItem[]): Promise<void> {
  // Held until commit: a reader of these feeds waits for this routing (see lockFeedsForInsert).
  await lockFeedsForInsert(db, new Set(items.map((i) => i.agency)));
  const values: unknown[] = [];
  const tuples = items.map((item, i) => {
    values.push(
      item.agency,
      item.outboxId,
      item.stored.type,
      item.stored.id,
      item.stored.versionId,
      item.rule,
    );
    const p = i * 6;
    return `($${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6})`;
  });
  await db.query(
    `INSERT INTO sync_feed (agency_id, outbox_id, resource_type, resource_id, version_id, rule)
     VALUES ${tuples.join(', ')} ON CONFLICT (agency_id, outbox_id) DO NOTHING`,
    values,
  );
}

async function subscriptions(db: Db): Promise<Map<string, Set<string>>> {
  const rows: { agency_id: string; resource_type: string }[] = await db.query(
    'SELECT agency_id, resource_type FROM sync_subscription',
  );
  const out = new Map<string, Set<string>>();
  for (const r of rows) out.set(r.agency_id, (out.get(r.agency_id) ?? new Set()).add(r.resource_type));
  return out;
}
