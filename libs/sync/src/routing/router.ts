import type { AuditInput } from '@passerelle/audit';
import { type ConsentDecider, type Decision, factsOf } from '@passerelle/consent';
import { idOfReference, isSupportedType } from '@passerelle/fhir';
import type { Agency } from '@passerelle/identity';
import { type Db, type FhirRepository, HUB_AGENCY, type StoredResource } from '@passerelle/store';
import type { Identifier, Patient, Resource, ServiceRequest } from 'fhir/r4';
import type { DataSource } from 'typeorm';
import { lockFeedsForInsert } from '../feed/feed';
import { Outbox, type OutboxRow } from '../outbox/outbox';
import { PermanentJobError } from '../queue/errors';
import { documentContentItems } from './document-content';
import { referralContextItems } from './referral-context';
import {
  type DirectoryAgency,
  recipientsOf,
  type RouteRule,
  type RoutingInput,
  type RoutingRules,
} from './rules';
import { DEFAULT_ROUTING_RULES } from './rules-file';
import { EARLIER_RECIPIENT, earlierRecipients, type RoutedVersion, routedVersions } from './tombstones';

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
  rule: RouteRule | typeof EARLIER_RECIPIENT;
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
  /** For each deleted resource (`Type/id`), the agencies whose feeds already hold it. */
  earlier: Map<string, string[]>;
}

/**
 * Routes outbox rows: who should receive each change (rules), whether the patient's consent lets
 * each of them (asked per recipient, denials audited), and the feed rows of those who may.
 * A range of rows goes in one transaction, read in bulk (versions, patient records,
 * organizations, documents' content, referrals' context, one consent call per recipient agency),
 * so a batch costs a few statements whatever its size, none per row. Idempotent: rows are claimed in that transaction (a routed row is skipped, a
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
      // A deletion is routed as a tombstone, by the rules on the resource as it last was.
      const changes = await routedVersions(this.deps.repo, tx, rows, isSupportedType);
      const context = await this.batchContext(tx, changes, agencies, subs);
      const items = await this.items(tx, changes, context);
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
    const earlier = await earlierRecipients(
      db,
      changes.filter((c) => c.row.deleted).map((c) => ({ type: c.row.resourceType, id: c.row.resourceId })),
    );
    return { agencies, subscriptions: subs, personRecords, organizations, earlier };
  }

  /**
   * The feed items of a batch: each change for each of its recipients, a document's content just
   * before it, a referral's context after it. What they bring along is read for the whole batch at
   * once (documentContentItems, referralContextItems), not per change.
   */
  private async items(db: Db, changes: readonly RoutedVersion[], context: BatchContext): Promise<FeedItem[]> {
    const planned = changes.map((change) => ({
      change,
      recipients: recipientsOf(
        {
          resource: change.resource,
          sourceAgency: change.row.sourceAgency,
          personRecords: (change.row.patientId && context.personRecords.get(change.row.patientId)) || [],
          organizations: context.organizations,
          agencies: context.agencies,
          subscriptions: context.subscriptions,
        },
        this.deps.rules ?? DEFAULT_ROUTING_RULES,
      ),
    }));
    // A withdrawn document brings no content, a withdrawn referral no context.
    const live = planned.filter((p) => !p.change.tombstone && p.recipients.length > 0);
    const contents = await documentContentItems(
      db,
      this.deps.repo,
      live.map(({ change }) => ({ resource: change.resource, document: change.stored })),
    );
    const referrals = live.flatMap(({ change, recipients }) =>
      recipients.flatMap((r) =>
        r.rule === 'referral-performer' && r.context !== undefined && r.context.length > 0
          ? [{ agency: r.agency, request: change.resource as ServiceRequest, fields: r.context, change }]
          : [],
      ),
    );
    const contexts = await referralContextItems(db, this.deps.repo, referrals);

    const items: FeedItem[] = [];
    for (const { change, recipients } of planned) {
      const { row, stored, tombstone } = change;
      const requestId = `route:${row.id}`;
      // A document's content goes just before the document, to whoever receives the document.
      const content = contents.get(stored) ?? [];
      const own: FeedItem[] = recipients.flatMap((r) => [
        ...content.map((c) => ({ agency: r.agency, rule: 'document-content' as const, ...c, requestId })),
        { agency: r.agency, rule: r.rule, stored, outboxId: row.id, requestId },
      ]);
      if (tombstone) {
        // Whoever holds a copy is told it is withdrawn.
        for (const agency of context.earlier.get(`${row.resourceType}/${row.resourceId}`) ?? [])
          if (agency !== row.sourceAgency && !own.some((i) => i.agency === agency))
            own.push({ agency, rule: EARLIER_RECIPIENT, stored, outboxId: row.id, requestId });
      }
      items.push(...own);
      for (const referral of referrals)
        if (referral.change === change)
          for (const c of contexts.get(referral) ?? [])
            items.push({ agency: referral.agency, rule: 'referral-context', ...c, requestId });
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
    const verdicts = new Map<FeedItem, Decision>();
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
    const denied: Denied[] = [];
    for (const item of items) {
      const verdict = verdicts.get(item);
      if (!verdict) continue;
      if (verdict.permit) allowed.push(item);
      // A document's content is about the document's patient.
      else denied.push({ ...item, basis: verdict.basis, patientId: verdict.contentOf?.patientIds[0] });
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
type Denied = FeedItem & { basis: string; patientId?: string };

function deniedRecord(item: Denied, agencies: DirectoryAgency[]): AuditInput {
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
    patientId: item.patientId ?? item.stored.patientId ?? undefined,
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
