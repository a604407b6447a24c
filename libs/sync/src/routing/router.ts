import type { AuditInput } from '@passerelle/audit';
import { type ConsentDecider, factsOf } from '@passerelle/consent';
import { isSupportedType, idOfReference } from '@passerelle/fhir';
import type { Agency } from '@passerelle/identity';
import { type Db, type FhirRepository, HUB_AGENCY, type StoredResource, versionKey } from '@passerelle/store';
import type { Identifier, Patient, Resource, ServiceRequest } from 'fhir/r4';
import type { DataSource } from 'typeorm';
import { lockFeedsForInsert } from '../feed/feed';
import { Outbox, type OutboxRow } from '../outbox/outbox';
import { PermanentJobError } from '../queue/errors';
import {
  type DirectoryAgency,
  recipientsOf,
  referralContext,
  type ReferralContextField,
  type RouteRule,
  type RoutingInput,
  type RoutingRules,
} from './rules';
import { DEFAULT_ROUTING_RULES } from './rules-file';

export interface RouterDependencies {
  dataSource: DataSource;
  repo: FhirRepository;
  consent: ConsentDecider;
  /** Denials are recorded in the routing transaction: audited once, with the rows they settle. */
  audit: { recordIn(db: Db, inputs: readonly AuditInput[]): Promise<unknown> };
  /** The MPI: every live Patient record of the person of each id, keyed by that id. */
  linkedPatients(db: Db, patientIds: readonly string[]): Promise<Map<string, string[]>>;
  agencies: { list(): Promise<Agency[]> };
  /** The deployment's rules (SYNC_ROUTING_RULES, loaded at start); default: default-routing-rules.json. */
  rules?: RoutingRules;
}

export interface RouteResult {
  /** Outbox rows settled by this call (routed, or nothing to send); others were settled before. */
  rows: number;
  /** Feed rows written. */
  delivered: number;
  /** Recipients refused by consent (each audited). */
  denied: number;
}

const OUTBOX_ID = /^[1-9][0-9]{0,18}$/;

/** The purpose of use routing asks consent for: the recipient receives the data for direct care. */
const ROUTING_PURPOSE = 'TREAT';
/** The audit trail's client for what the worker decides. */
export const ROUTER_CLIENT_ID = 'passerelle-worker';

interface FeedItem {
  agency: string;
  rule: RouteRule;
  stored: StoredResource;
  outboxId: string;
  requestId: string;
}

/** What routing reads once per batch, not per change. */
interface BatchContext {
  agencies: DirectoryAgency[];
  subscriptions: Map<string, Set<string>>;
  personRecords: Map<string, RoutingInput['personRecords']>;
  organizations: Map<string, Identifier[]>;
}

/**
 * Routes outbox rows: who should receive each change (rules), whether the patient's consent lets
 * each of them (asked per recipient, denials audited), and the feed rows of those who may.
 * A range of rows goes in one transaction, read in bulk (versions, patient records,
 * organizations, one consent call per recipient agency), so a batch costs a few statements, not
 * a dozen per row. Idempotent: rows are claimed in that transaction (a routed row is skipped, a
 * rolled-back one routed again) and feed rows are unique per agency and change.
 */
export class Router {
  private readonly outbox = new Outbox();

  constructor(private readonly deps: RouterDependencies) {}

  async route(from: string, through: string = from): Promise<RouteResult> {
    // Outbox ids are whole numbers: another range (a hand-made or replayed job) can never route.
    if (!OUTBOX_ID.test(from) || !OUTBOX_ID.test(through))
      throw new PermanentJobError('route: from and through must be outbox ids (whole numbers)');
    // Read outside the transaction: with PGlite's one connection nothing may run beside it.
    const agencies = await this.agencyDirectory();
    const subs = await subscriptions(this.deps.dataSource.manager);
    return this.deps.dataSource.transaction(async (tx) => {
      const rows = await this.outbox.claim(tx, from, through);
      if (rows.length === 0) return { rows: 0, delivered: 0, denied: 0 };
      const changes = await this.storedVersions(tx, rows);
      const context = await this.batchContext(tx, changes, agencies, subs);
      const items: FeedItem[] = [];
      for (const { row, stored, resource } of changes)
        items.push(...(await this.itemsFor(tx, row, stored, resource, context)));
      const { allowed, denied } = await this.decide(tx, items, agencies);
      if (allowed.length > 0) await insertFeed(tx, allowed);
      // Last: the audit chain lock is then held only until this COMMIT.
      if (denied.length > 0)
        await this.deps.audit.recordIn(
          tx,
          denied.map((d) => deniedRecord(d, agencies)),
        );
      return { rows: rows.length, delivered: allowed.length, denied: denied.length };
    });
  }

  /** The stored version of each row; deletions and what is gone are not exchanged. */
  private async storedVersions(db: Db, rows: readonly OutboxRow[]) {
    const live = rows.filter((r) => !r.deleted && isSupportedType(r.resourceType));
    // Internal: routing asks consent for each recipient itself (decide below).
    const versions = await this.deps.repo.internal.versions(
      live.map((r) => ({ type: r.resourceType, id: r.resourceId, versionId: r.versionId })),
      db,
    );
    return live.flatMap((row) => {
      const stored = versions.get(versionKey(row.resourceType, row.resourceId, row.versionId));
      return stored?.json && !stored.deleted
        ? [{ row, stored, resource: JSON.parse(stored.json) as Resource }]
        : [];
    });
  }

  /** The person records of every patient in the batch and the Organizations they cite, in three statements. */
  private async batchContext(
    db: Db,
    changes: readonly { row: OutboxRow; resource: Resource }[],
    agencies: DirectoryAgency[],
    subs: Map<string, Set<string>>,
  ): Promise<BatchContext> {
    const patientIds = [...new Set(changes.flatMap(({ row }) => (row.patientId ? [row.patientId] : [])))];
    const linked = await this.deps.linkedPatients(db, patientIds);
    // Internal: routing reads the person's records to find their GP; nothing is disclosed from them.
    const records = await this.deps.repo.internal.currentMany(
      [...new Set([...linked.values()].flat())].map((id) => ({ type: 'Patient', id })),
      db,
    );
    const personRecords = new Map<string, RoutingInput['personRecords']>();
    for (const [asked, ids] of linked)
      personRecords.set(
        asked,
        ids.flatMap((id) => {
          const current = records.get(`Patient/${id}`);
          return current?.json && !current.deleted
            ? [{ patient: JSON.parse(current.json) as Patient, sourceAgency: current.sourceAgency }]
            : [];
        }),
      );

    const orgRefs = new Set<string>();
    for (const list of personRecords.values())
      for (const { patient } of list)
        for (const ref of patient.generalPractitioner ?? []) if (ref.reference) orgRefs.add(ref.reference);
    for (const { resource } of changes)
      if (resource.resourceType === 'ServiceRequest')
        for (const ref of (resource as ServiceRequest).performer ?? [])
          if (ref.reference) orgRefs.add(ref.reference);
    const orgIds = new Map<string, string>();
    for (const ref of orgRefs) {
      const id = idOfReference(ref, 'Organization');
      if (id) orgIds.set(ref, id);
    }
    // Internal: directory data (Organizations), to place references on agencies.
    const orgs = await this.deps.repo.internal.currentMany(
      [...new Set(orgIds.values())].map((id) => ({ type: 'Organization', id })),
      db,
    );
    const organizations = new Map<string, Identifier[]>();
    for (const [ref, id] of orgIds) {
      const org = orgs.get(`Organization/${id}`);
      if (org?.json)
        organizations.set(ref, (JSON.parse(org.json) as { identifier?: Identifier[] }).identifier ?? []);
    }
    return { agencies, subscriptions: subs, personRecords, organizations };
  }

  private async itemsFor(
    db: Db,
    row: OutboxRow,
    stored: StoredResource,
    resource: Resource,
    context: BatchContext,
  ): Promise<FeedItem[]> {
    const recipients = recipientsOf(
      {
        resource,
        sourceAgency: row.sourceAgency,
        personRecords: (row.patientId && context.personRecords.get(row.patientId)) || [],
        organizations: context.organizations,
        agencies: context.agencies,
        subscriptions: context.subscriptions,
      },
      this.deps.rules ?? DEFAULT_ROUTING_RULES,
    );
    const requestId = `route:${row.id}`;
    const items: FeedItem[] = recipients.map((r) => ({
      agency: r.agency,
      rule: r.rule,
      stored,
      outboxId: row.id,
      requestId,
    }));
    for (const r of recipients)
      if (r.rule === 'referral-performer' && r.context !== undefined && r.context.length > 0)
        items.push(
          ...(await this.referralItems(db, resource as ServiceRequest, r.agency, r.context, requestId)),
        );
    return items;
  }

  /** A referral's performer also gets what the rule's context names (the patient record, what the referral cites), as it is now. */
  private async referralItems(
    db: Db,
    request: ServiceRequest,
    agency: string,
    context: readonly ReferralContextField[],
    requestId: string,
  ): Promise<FeedItem[]> {
    const items: FeedItem[] = [];
    for (const ref of referralContext(request, context)) {
      const [type, id] = ref.split('/');
      if (!isSupportedType(type)) continue;
      // Internal: each item read here is decided on for its recipient before it is fed.
      const stored = await this.deps.repo.internal.current(type, id, db);
      if (!stored?.json || stored.deleted) continue;
      const outbox: { id: string }[] = await db.query(
        'SELECT id FROM sync_outbox WHERE resource_type = $1 AND resource_id = $2 AND version_id = $3',
        [stored.type, stored.id, stored.versionId],
      );
      if (outbox[0])
        items.push({ agency, rule: 'referral-context', stored, outboxId: String(outbox[0].id), requestId });
    }
    return items;
  }

  /** One consent call per recipient agency for all its items (each person's consents read once). */
  private async decide(db: Db, items: FeedItem[], agencies: DirectoryAgency[]) {
    const byAgency = new Map<string, FeedItem[]>();
    for (const item of items) {
      const list = byAgency.get(item.agency);
      if (list) list.push(item);
      else byAgency.set(item.agency, [item]);
    }
    const verdicts = new Map<FeedItem, { permit: boolean; basis: string }>();
    for (const [id, list] of byAgency) {
      const agency = agencies.find((a) => a.id === id);
      if (!agency) continue;
      const decisions = await this.deps.consent.decideAll(
        db,
        { agency: agency.id, agencyKind: agency.kind, purposeOfUse: ROUTING_PURPOSE },
        list.map((item) => factsOf(item.stored)),
      );
      list.forEach((item, i) => verdicts.set(item, decisions[i]));
    }
    const allowed: FeedItem[] = [];
    const denied: (FeedItem & { basis: string })[] = [];
    for (const item of items) {
      const verdict = verdicts.get(item);
      if (!verdict) continue;
      if (verdict.permit) allowed.push(item);
      else denied.push({ ...item, basis: verdict.basis });
    }
    return { allowed, denied };
  }

  /** Read for every batch (a small table): an agency registered a moment ago receives at once. */
  private async agencyDirectory(): Promise<DirectoryAgency[]> {
    return (await this.deps.agencies.list())
      .filter((a) => a.status === 'active')
      .map((a) => ({ id: a.id, kind: a.kind, identifiers: a.organization.identifier ?? [] }));
  }
}

/**
 * A routing denial is the hub's own record (for operators and the patient's access report): the
 * recipient never asked, so it is not filed under the recipient, whose audit trail would
 * otherwise tell it that something about the patient was held back.
 */
function deniedRecord(item: FeedItem & { basis: string }, agencies: DirectoryAgency[]): AuditInput {
  return {
    interaction: 'operation',
    operation: 'route',
    outcome: 'denied',
    outcomeDesc: item.basis,
    agency: HUB_AGENCY,
    details: [
      { type: 'recipient', value: item.agency },
      { type: 'recipient-kind', value: agencies.find((a) => a.id === item.agency)?.kind ?? 'unknown' },
    ],
    clientId: ROUTER_CLIENT_ID,
    purposeOfUse: ROUTING_PURPOSE,
    patientId: item.stored.patientId ?? undefined,
    resourceType: item.stored.type,
    resourceId: item.stored.id,
    requestId: item.requestId,
  };
}

async function insertFeed(db: Db, items: FeedItem[]): Promise<void> {
  // Held until commit: a reader of these feeds waits for this routing (see lockFeedsForInsert).
  await lockFeedsForInsert(db, new Set(items.map((i) => i.agency)));
  await db.query(
    `INSERT INTO sync_feed (agency_id, outbox_id, resource_type, resource_id, version_id, rule)
     SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::int[], $6::text[])
     ON CONFLICT (agency_id, outbox_id) DO NOTHING`,
    [
      items.map((i) => i.agency),
      items.map((i) => i.outboxId),
      items.map((i) => i.stored.type),
      items.map((i) => i.stored.id),
      items.map((i) => i.stored.versionId),
      items.map((i) => i.rule),
    ],
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
