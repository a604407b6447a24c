import { randomUUID } from 'node:crypto';
import type { Resource } from 'fhir/r4';
import {
  type QueryParams,
  type SearchQuery,
  type SupportedType,
  badRequest,
  isValidId,
  methodNotAllowed,
  multipleMatches,
  notFound,
  parseSearchQuery,
  READ_ONLY_TYPES,
} from '@passerelle/fhir';
import type { DataSource } from 'typeorm';
import {
  checkWritable,
  criteriaLockKey,
  mapDatabaseError,
  parseETag,
  type PrepareItem,
} from './write-support';
import { deletionVersion, nextVersion, type PendingWrite } from './versions';
import type { ReferenceCheck } from './references/local-references';
import { checkWrittenReferences } from './references/reference-check';
import { resolveSingleWrite } from './bundle/reference-resolution';
import { InternalReads } from './internal-reads';
import type { Visibility } from './paging';
import { compartmentPage, type HistoryFilter, historyPage, searchPage } from './reads';
import {
  type Db,
  insertVersions,
  lockCriteria,
  selectCurrent,
  selectCurrentMany,
  type VersionRow,
} from './sql/resource-sql';
import type {
  Actor,
  HistoryPage,
  ResourceValidator,
  SearchPage,
  StoredResource,
  WriteResult,
  WrittenHook,
} from './types';

export interface RepositoryOptions {
  /** Base URLs that mean "this hub" in absolute references (e.g. https://hub.example/fhir). */
  localBases: readonly string[];
  validator: ResourceValidator;
  defaultCount: number;
  maxCount: number;
  /**
   * Run inside the writing transaction after each batch of versions is written, e.g. to link a
   * Patient in the patient index or to record an outbox row: they commit or roll back together.
   */
  afterWrite?: WriteHook[];
  /**
   * Which targets of a write's literal references the writer may see (the hub's consent check).
   * With it, every written version's references to this hub must resolve to a live resource the
   * writer may see, or the write fails with 422 before anything commits; without it (the store
   * alone, knowing no one's rights) references are not checked.
   */
  references?: ReferenceCheck;
}

export type WriteHook = (db: Db, actor: Actor, written: readonly VersionRow[]) => Promise<void>;

/** Who reads, and what they may see: every caller's read of the store takes one. */
export interface ReadScope {
  readonly actor: Actor;
  /** The consent check: drops what the caller may not see. */
  readonly visible: Visibility<StoredResource>;
  /**
   * What `visible` always keeps, so that a total can be counted in SQL without deciding on each
   * row: the rows this agency sent and the rows about no patient. Absent: every row is decided.
   */
  readonly alwaysVisible?: { sourceAgency: string };
}

/**
 * FHIR interactions over the versioned store: the one place that reads and writes resources.
 * Every write takes the acting agency and records it as provenance; every caller's read takes a
 * ReadScope (the consent-scoped repository builds them). Unscoped reads are `internal`.
 */
export class FhirRepository {
  /**
   * Reads that see every row, with no caller and no consent check: only for the consent-scoped
   * repository's own building blocks and the hub's system jobs (routing, letters, the patient
   * index), each call saying why. A caller's read goes through a scope: `search`, `history`,
   * `everything` cannot be called without one.
   */
  readonly internal: InternalReads;

  constructor(
    readonly dataSource: DataSource,
    readonly options: RepositoryOptions,
  ) {
    this.internal = new InternalReads(dataSource, options.maxCount);
  }

  /** Runs `fn` in one database transaction; conflicts between concurrent writers become 409. */
  async transaction<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await this.dataSource.transaction(fn);
    } catch (e) {
      throw mapDatabaseError(e);
    }
  }

  // ---- reads ----------------------------------------------------------------------------------

  parseQuery(type: SupportedType, params: QueryParams, strict: boolean): SearchQuery {
    return parseSearchQuery(type, params, {
      strict,
      defaultCount: this.options.defaultCount,
      maxCount: this.options.maxCount,
      localBases: this.options.localBases,
    });
  }

  /**
   * One page of matches, with their includes. `scope.visible` (the consent check) drops what the
   * caller may not see from the page, the includes and the total alike.
   */
  async search(scope: ReadScope, query: SearchQuery, db: Db = this.dataSource.manager): Promise<SearchPage> {
    return searchPage(db, query, scope.visible, this.options.maxCount, scope.alwaysVisible);
  }

  async history(scope: ReadScope, filter: HistoryFilter): Promise<HistoryPage> {
    if (filter.id !== undefined && !isValidId(filter.id)) throw notFound();
    const count = Math.min(filter.count ?? this.options.defaultCount, this.options.maxCount);
    return historyPage(this.dataSource.manager, filter, count, scope.visible);
  }

  /**
   * Patient/{id}/$everything: the patient and every current resource in its compartment, and in
   * the compartments of `linkedPatientIds` (the same person's records at other agencies).
   * The caller checks that it may see the Patient itself first.
   */
  async everything(
    scope: ReadScope,
    patientIds: readonly string[],
    options: { count?: number; pageToken?: string; types?: readonly SupportedType[] },
  ): Promise<SearchPage> {
    const count = Math.min(options.count ?? this.options.maxCount, this.options.maxCount);
    return compartmentPage(this.dataSource.manager, patientIds, { ...options, count }, scope.visible);
  }

  // ---- writes --------------------------------------------------------------------------------

  /** Rejects what may never be written: read-only types, a body of another type, invalid content. */
  checkResource(
    type: SupportedType,
    resource: unknown,
    expressionPrefix?: string,
  ): asserts resource is Resource {
    checkWritable(this.options.validator, type, resource, expressionPrefix);
  }

  async create(
    actor: Actor,
    type: SupportedType,
    resource: unknown,
    ifNoneExist?: QueryParams,
    onWritten?: WrittenHook,
    expressionRoot?: string,
  ): Promise<WriteResult> {
    this.checkResource(type, resource);
    return this.transaction(async (db) => {
      if (ifNoneExist) {
        const existing = await this.findConditionalTarget(db, actor, type, ifNoneExist);
        if (existing) return { stored: existing, status: 200, changed: false };
      }
      await resolveSingleWrite(this, db, actor, resource, expressionRoot ?? type);
      return this.commit(
        db,
        actor,
        await this.prepareWrite(db, actor, type, randomUUID(), resource, { isCreate: true, expressionRoot }),
        onWritten,
      );
    });
  }

  async update(
    actor: Actor,
    type: SupportedType,
    id: string,
    resource: unknown,
    ifMatch?: string,
    onWritten?: WrittenHook,
    expressionRoot?: string,
  ): Promise<WriteResult> {
    this.checkResource(type, resource);
    if (!isValidId(id)) throw badRequest('Invalid resource id in the URL');
    if (resource.id !== id)
      throw badRequest('The resource id must be present and equal the id in the URL', [`${type}.id`]);
    const expected = ifMatch === undefined ? undefined : parseETag(ifMatch);
    return this.transaction(async (db) => {
      await resolveSingleWrite(this, db, actor, resource, expressionRoot ?? type);
      return this.commit(
        db,
        actor,
        await this.prepareWrite(db, actor, type, id, resource, { expectedVersion: expected, expressionRoot }),
        onWritten,
      );
    });
  }

  /** PUT Type?criteria: no match creates, one match updates, several are refused (412). */
  async conditionalUpdate(
    actor: Actor,
    type: SupportedType,
    criteria: QueryParams,
    resource: unknown,
    onWritten?: WrittenHook,
    expressionRoot?: string,
  ): Promise<WriteResult> {
    this.checkResource(type, resource);
    return this.transaction(async (db) => {
      const match = await this.findConditionalTarget(db, actor, type, criteria);
      if (match && resource.id !== undefined && resource.id !== match.id) {
        throw badRequest('The resource id does not match the resource found by the criteria', [`${type}.id`]);
      }
      const id = match?.id ?? resource.id ?? randomUUID();
      await resolveSingleWrite(this, db, actor, resource, expressionRoot ?? type);
      return this.commit(
        db,
        actor,
        await this.prepareWrite(db, actor, type, id, resource, { expressionRoot }),
        onWritten,
      );
    });
  }

  async delete(
    actor: Actor,
    type: SupportedType,
    id: string,
    onWritten?: WrittenHook,
  ): Promise<WriteResult | undefined> {
    if (READ_ONLY_TYPES.has(type)) throw methodNotAllowed(`${type} is written by the server only`);
    if (!isValidId(id)) throw notFound();
    return this.transaction(async (db) => {
      const pending = await this.prepareDelete(db, actor, type, id);
      return pending ? this.commit(db, actor, pending, onWritten) : undefined;
    });
  }

  /**
   * The single match of conditional criteria, under an advisory lock held to the end of the
   * transaction so that concurrent conditional writes on the same criteria serialise.
   */
  async findConditionalTarget(
    db: Db,
    actor: Actor,
    type: SupportedType,
    criteria: QueryParams,
  ): Promise<StoredResource | undefined> {
    const query = this.conditionalQuery(actor, type, criteria);
    const find = async () => {
      // Internal: the criteria carry the writer's own provenance filter (see conditionalQuery).
      const page = await this.internal.search(
        { ...query, count: 2, includes: [], revIncludes: [], summaryCount: false, skipTotal: true },
        db,
      );
      const matches = page.entries.filter((e) => e.mode === 'match');
      if (matches.length > 1) throw multipleMatches(`More than one ${type} matches the criteria`);
      return matches[0]?.stored;
    };
    // A match already committed is the answer: the row lock taken when writing it serialises
    // what follows. Only "no match yet" needs the lock, so that two creators make one resource
    // (the lock would otherwise queue every transaction that names a shared Organization).
    const existing = await find();
    if (existing) return existing;
    await lockCriteria(db, criteriaLockKey(query));
    return find();
  }

  /**
   * Conditional criteria as a search: an agency's conditional writes match only what it sent, so
   * they never reveal, nor touch, another agency's resources.
   */
  conditionalQuery(actor: Actor, type: SupportedType, criteria: QueryParams): SearchQuery {
    const parsed = this.parseQuery(type, criteria, true);
    if (parsed.filters.length === 0) {
      throw badRequest('Conditional criteria must name at least one search parameter');
    }
    return {
      ...parsed,
      filters: [...parsed.filters, { kind: 'provenance', agency: actor.agency, scope: 'own' }],
    };
  }

  /** Reads the current version under a row lock and prepares the next one (or a no-op). */
  async prepareWrite(
    db: Db,
    actor: Actor,
    type: SupportedType,
    id: string,
    resource: Resource,
    opts: { expectedVersion?: number; isCreate?: boolean; expressionRoot?: string },
  ): Promise<PendingWrite> {
    const current = opts.isCreate ? undefined : await selectCurrent(db, type, id, true);
    return nextVersion(
      current,
      actor,
      type,
      id,
      resource,
      opts.expectedVersion,
      this.options.localBases,
      opts.expressionRoot,
    );
  }

  /**
   * prepareWrite and prepareDelete for a whole Bundle: every current row is read under its row
   * lock in one statement, in (type, id) order, instead of one round trip per entry. Versions are
   * prepared in `items` order, so the first entry in error is the one reported.
   */
  async prepareMany(
    db: Db,
    actor: Actor,
    items: readonly PrepareItem[],
  ): Promise<(PendingWrite | undefined)[]> {
    const locked = await selectCurrentMany(
      db,
      items.filter((i) => i.kind === 'delete' || !i.isCreate),
      true,
    );
    return items.map((item) => {
      const current = locked.get(`${item.type}/${item.id}`);
      if (item.kind === 'delete')
        return current && !current.deleted ? deletionVersion(current, actor) : undefined;
      return nextVersion(
        item.isCreate ? undefined : current,
        actor,
        item.type,
        item.id,
        item.resource,
        item.expectedVersion,
        this.options.localBases,
        item.expressionRoot,
      );
    });
  }

  /** A deletion version; deleting what is absent or already deleted changes nothing. */
  async prepareDelete(
    db: Db,
    actor: Actor,
    type: SupportedType,
    id: string,
  ): Promise<PendingWrite | undefined> {
    const current = await selectCurrent(db, type, id, true);
    return current && !current.deleted ? deletionVersion(current, actor) : undefined;
  }

  /**
   * Writes prepared versions (skipping no-ops) in one statement per table, checks their
   * references, then runs the afterWrite hooks and `onWritten` (the caller's, e.g. its audit),
   * all in the caller's transaction.
   */
  async commitAll(db: Db, actor: Actor, pending: PendingWrite[], onWritten?: WrittenHook): Promise<void> {
    const written = pending.filter((p) => p.row !== undefined);
    if (written.length === 0) return;
    const rows = written.map((p) => p.row!);
    await insertVersions(db, rows);
    await checkWrittenReferences(db, actor, written, this.options.references);
    for (const hook of this.options.afterWrite ?? []) await hook(db, actor, rows);
    await onWritten?.(
      db,
      pending.flatMap((p) => (p.row && p.result.changed ? [p.result] : [])),
    );
  }

  private async commit(
    db: Db,
    actor: Actor,
    pending: PendingWrite,
    onWritten?: WrittenHook,
  ): Promise<WriteResult> {
    await this.commitAll(db, actor, [pending], onWritten);
    return pending.result;
  }
}
