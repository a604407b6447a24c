import { gone, notFound, type SearchQuery, type SupportedType } from '@passerelle/fhir';
import type {
  Actor,
  Db,
  FhirRepository,
  HistoryPage,
  ReadScope,
  SearchPage,
  StoredResource,
  Visibility,
  WrittenHook,
} from '@passerelle/store';
import type { Decision, DisclosureContext, ResourceFacts } from '../types';
import type { DisclosureAuditor, DisclosureRecord, Interaction, PatientNotifier } from './disclosure';
import { factsOf } from '../facts';
import type { PageBinding } from './page-binding';

/** Decides many resources at once for one caller (ConsentService). */
export interface ConsentDecider {
  decideAll(db: Db, ctx: DisclosureContext, facts: ResourceFacts[]): Promise<Decision[]>;
  /** Optional: read the current row and decide on it in one round trip (undefined: cannot). */
  readAndDecide?(
    db: Db,
    ctx: DisclosureContext,
    type: SupportedType,
    id: string,
  ): Promise<{ stored?: StoredResource; decision?: Decision } | undefined>;
}

export interface Caller extends DisclosureContext {
  requestId: string;
}

export interface ScopeOptions {
  /**
   * Hold audit records until flush(): for reads inside a database transaction (Bundle GET
   * entries), whose audit must not open a second connection (PGlite has one) and must commit
   * only if the transaction does. The caller flushes before it answers.
   */
  deferAudit?: boolean;
}

export interface ScopedDependencies {
  repo: FhirRepository;
  consent: ConsentDecider;
  auditor: DisclosureAuditor;
  notifier: PatientNotifier;
  pages: PageBinding;
}

const key = (s: StoredResource) => `${s.type}/${s.id}/${s.versionId}`;

/**
 * The data choke point: every read of patient data goes through here, asks consent about each
 * resource, drops what the caller may not see (a denied read is the same 404 as a missing
 * resource), writes the audit records — one per interaction per patient touched, success or
 * denied — and waits for them to be committed before anything is returned.
 */
export class ConsentScopedRepository {
  private readonly decisions = new Map<string, Decision>();
  private pending: DisclosureRecord[] = [];
  /** Break-glass records already committed inside a transaction whose patients are still to be told. */
  private untold: DisclosureRecord[] = [];

  constructor(
    private readonly deps: ScopedDependencies,
    readonly caller: Caller,
    private readonly options: ScopeOptions = {},
  ) {}

  /** The caller as the store's actor: its writes' references are decided with its kind and purpose. */
  get actor(): Actor {
    return {
      agency: this.caller.agency,
      requestId: this.caller.requestId,
      access: { agencyKind: this.caller.agencyKind, purposeOfUse: this.caller.purposeOfUse },
    };
  }

  /** This caller's scope on the store, with a visibility check (its decisions kept for the audit). */
  private scoped(visible: Visibility<StoredResource>): ReadScope {
    return { actor: this.actor, visible };
  }

  /** The consent check as a store visibility filter, on `db`; decisions are kept for the audit. */
  visibleIn(db: Db = this.deps.repo.dataSource.manager): Visibility<StoredResource> {
    return async (rows) => {
      const decisions = await this.deps.consent.decideAll(
        db,
        this.caller,
        rows.map((row) => factsOf(row)),
      );
      rows.forEach((row, i) => this.decisions.set(key(row), decisions[i]));
      return decisions.map((d) => d.permit);
    };
  }

  async read(type: SupportedType, id: string, db?: Db): Promise<StoredResource> {
    const decided = await this.deps.consent.readAndDecide?.(
      db ?? this.deps.repo.dataSource.manager,
      this.caller,
      type,
      id,
    );
    if (decided) return this.one('read', type, decided.stored, `${type}/${id}`, db, decided.decision);
    return this.one('read', type, await this.deps.repo.internal.current(type, id, db), `${type}/${id}`, db);
  }

  async vread(type: SupportedType, id: string, versionId: string): Promise<StoredResource> {
    const version = await this.deps.repo.internal.version(type, id, versionId);
    const [shown] = version ? await this.asNowVisible()([version]) : [false];
    return this.one('vread', type, version, `${type}/${id}/_history/${versionId}`, undefined, shown);
  }

  /**
   * The check for past versions: a version is shown only if the resource as it is now may be
   * shown too (its current labels; a deleted resource's last ones), so labelling version 2 as
   * sensitive hides version 1 as well.
   */
  private asNowVisible(db: Db = this.deps.repo.dataSource.manager): Visibility<StoredResource> {
    const visible = this.visibleIn(db);
    return async (rows) => {
      const current = await this.deps.repo.internal.currentMany(
        rows.map((r) => ({ type: r.type, id: r.id })),
        db,
      );
      // One decision call for both: each version, then the resource as it is now.
      const flags = await visible([...rows, ...rows.map((r) => current.get(`${r.type}/${r.id}`) ?? r)]);
      return rows.map((_, i) => flags[i] && flags[rows.length + i]);
    };
  }

  async search(query: SearchQuery, queryString: string, db?: Db): Promise<SearchPage> {
    // The consent check's first rule (decisionWithoutConsents): own data and directory data.
    const scope = { ...this.scoped(this.visibleIn(db)), alwaysVisible: { sourceAgency: this.caller.agency } };
    const page = await this.deps.repo.search(scope, this.unbindQuery(query), db);
    await this.audit(
      'search-type',
      query.type,
      queryString,
      page.entries.map((e) => e.stored),
      page.hidden,
    );
    return { ...page, nextPageToken: this.deps.pages.bind(this.caller.agency, page.nextPageToken) };
  }

  async history(
    filter: { type?: SupportedType; id?: string; since?: string; count?: number; pageToken?: string },
    queryString: string,
  ): Promise<HistoryPage> {
    const pageToken = this.deps.pages.unbind(this.caller.agency, filter.pageToken);
    const page = await this.deps.repo.history(this.scoped(this.asNowVisible()), { ...filter, pageToken });
    const interaction = filter.id !== undefined ? 'history-instance' : 'history-type';
    await this.audit(
      interaction,
      filter.type,
      queryString,
      page.entries.map((e) => e.stored),
      page.hidden,
    );
    return { ...page, nextPageToken: this.deps.pages.bind(this.caller.agency, page.nextPageToken) };
  }

  /**
   * Patient/$everything over the person's records: the Patient itself must be visible (else 404,
   * even when linked records exist), then only what the caller may see of each compartment.
   */
  async everything(
    patientId: string,
    linkedPatientIds: readonly string[],
    options: { count?: number; pageToken?: string; types?: readonly SupportedType[] },
    queryString: string,
  ): Promise<SearchPage> {
    await this.read('Patient', patientId);
    const pageToken = this.deps.pages.unbind(this.caller.agency, options.pageToken);
    const ids = [...new Set([patientId, ...linkedPatientIds])];
    const page = await this.deps.repo.everything(this.scoped(this.visibleIn()), ids, {
      ...options,
      pageToken,
    });
    await this.audit(
      'operation',
      'Patient',
      queryString,
      page.entries.map((e) => e.stored),
      page.hidden,
      'everything',
    );
    return { ...page, nextPageToken: this.deps.pages.bind(this.caller.agency, page.nextPageToken) };
  }

  /**
   * A page of the person's compartments as the caller may see them, not audited: for an
   * operation that chooses among them and hands its choice to `disclose` (the summary), which
   * decides again and audits what leaves.
   */
  async compartment(
    patientIds: readonly string[],
    options: { count?: number; pageToken?: string; types?: readonly SupportedType[] },
  ): Promise<SearchPage> {
    return this.deps.repo.everything(this.scoped(this.visibleIn()), patientIds, options);
  }

  /** Any other disclosure of stored resources (e.g. Patient/$match): what may be seen, audited. */
  async disclose(
    operation: string,
    /** The one type disclosed, for the audit trail; undefined when several (e.g. a feed). */
    type: SupportedType | undefined,
    rows: readonly StoredResource[],
    queryString?: string,
  ): Promise<StoredResource[]> {
    const flags = await this.visibleIn()(rows);
    const shown = rows.filter((_, i) => flags[i]);
    await this.audit(
      'operation',
      type,
      queryString,
      shown,
      rows.filter((_, i) => !flags[i]),
      operation,
    );
    return shown;
  }

  /**
   * An operation that discloses something other than stored resources about a patient (their
   * access report): audited like a read of theirs, allowed or refused.
   */
  async recordOperation(operation: string, patientId: string, outcome: 'success' | 'denied'): Promise<void> {
    this.pending.push({ interaction: 'operation', operation, outcome, patientId, breakGlass: false });
    if (!this.options.deferAudit) await this.flush();
  }

  /**
   * The audit of the caller's writes, as the store's hook: it runs inside the writing transaction,
   * so a write and its AuditEvent commit together or not at all (a failed append rolls the write
   * back), with the records held for that transaction (a Bundle's GET entries). A single write is
   * one record; a Bundle's writes one per patient touched (and one if they touched no patient),
   * not one per resource — a 50-entry push about one patient is one interaction about one patient.
   */
  auditWrites(bundle?: 'transaction' | 'batch'): WrittenHook {
    return async (db, written) => {
      if (bundle) {
        const touched = written.flatMap((w) => patientsOf(w.stored));
        for (const patientId of new Set(
          written.some((w) => !w.stored.patientId) ? [...touched, undefined] : touched,
        ))
          this.pending.push({ interaction: bundle, outcome: 'success', patientId, breakGlass: false });
      } else {
        for (const { stored, status } of written)
          this.pending.push({
            interaction: stored.deleted ? 'delete' : status === 201 ? 'create' : 'update',
            outcome: 'success',
            patientId: stored.patientId ?? undefined,
            resourceType: stored.type,
            breakGlass: false,
          });
      }
      const records = this.pending;
      this.pending = [];
      await this.deps.auditor.recordIn(db, records);
      this.untold.push(...records.filter((r) => r.breakGlass));
    };
  }

  /** Writes the held audit records (and break-glass notices); resolves once they are committed. */
  async flush(): Promise<void> {
    const records = this.pending;
    this.pending = [];
    const untold = this.untold;
    this.untold = [];
    if (records.length > 0) await this.deps.auditor.record(records);
    const notices = [...untold, ...records]
      .filter((r) => r.breakGlass && r.patientId)
      .map((r) => ({
        patientId: r.patientId!,
        agency: this.caller.agency,
        practitioner: this.caller.practitioner,
        reason: this.caller.breakGlassReason ?? '',
        requestId: this.caller.requestId,
      }));
    if (notices.length > 0) await this.deps.notifier.breakGlass(notices);
  }

  private unbindQuery(query: SearchQuery): SearchQuery {
    return { ...query, pageToken: this.deps.pages.unbind(this.caller.agency, query.pageToken) };
  }

  private async one(
    interaction: Interaction,
    type: SupportedType,
    stored: StoredResource | undefined,
    what: string,
    db?: Db,
    decided?: Decision | boolean,
  ): Promise<StoredResource> {
    if (!stored) {
      // Audited as refused, like a hidden one: the caller's trail cannot tell them apart.
      this.pending.push({ interaction, resourceType: type, outcome: 'denied', breakGlass: false });
      if (!this.options.deferAudit) await this.flush();
      throw notFound();
    }
    if (typeof decided === 'object') this.decisions.set(key(stored), decided);
    const [permitted] =
      decided === undefined
        ? await this.visibleIn(db)([stored])
        : [typeof decided === 'boolean' ? decided : decided.permit];
    await this.audit(interaction, type, undefined, permitted ? [stored] : [], permitted ? [] : [stored]);
    // The same answer as for a resource that never existed.
    if (!permitted) throw notFound();
    if (stored.deleted) throw gone(what);
    return stored;
  }

  /**
   * One record per patient touched: success where something was disclosed, denied where only
   * withheld resources were; one record with no patient when no patient data was touched.
   */
  private async audit(
    interaction: Interaction,
    resourceType: SupportedType | undefined,
    query: string | undefined,
    disclosed: readonly StoredResource[],
    withheld: readonly StoredResource[],
    operation?: string,
  ): Promise<void> {
    const patients = new Map<string, { disclosed: boolean; breakGlass: boolean }>();
    // A resource in several compartments (a Group, an Appointment with two patients) is a
    // disclosure about each of them.
    for (const s of disclosed) {
      const decision = this.decisions.get(key(s));
      for (const patientId of patientsOf(s, decision)) {
        const entry = patients.get(patientId) ?? { disclosed: true, breakGlass: false };
        entry.disclosed = true;
        entry.breakGlass ||= decision?.permit === true && decision.breakGlass;
        patients.set(patientId, entry);
      }
    }
    for (const s of withheld) {
      for (const patientId of patientsOf(s, this.decisions.get(key(s))))
        if (!patients.has(patientId)) patients.set(patientId, { disclosed: false, breakGlass: false });
    }
    // Literals, not `{ ...base, … }`: V8 copies a spread object by its slow path, which cost each
    // checked read several µs here (bench/results/issue15-hubcpu). The same records.
    if (patients.size === 0)
      this.pending.push({
        interaction,
        operation,
        resourceType,
        query,
        outcome: 'success',
        breakGlass: false,
      });
    for (const [patientId, p] of patients)
      this.pending.push({
        interaction,
        operation,
        resourceType,
        query,
        patientId,
        outcome: p.disclosed ? 'success' : 'denied',
        breakGlass: p.breakGlass,
      });
    if (!this.options.deferAudit) await this.flush();
  }
}

/**
 * Every patient whose compartment holds a stored version: its patient of record first. A Binary
 * decided as the document it is the content of discloses that document's patients.
 */
function patientsOf(stored: StoredResource, decision?: Decision): string[] {
  if (decision?.contentOf) return [...decision.contentOf.patientIds];
  return stored.patientId ? [stored.patientId, ...stored.otherPatientIds] : [...stored.otherPatientIds];
}
