import {
  gone,
  isValidId,
  notFound,
  parseSearchQuery,
  type QueryParams,
  type SearchQuery,
  type SupportedType,
} from '@passerelle/fhir';
import type { DataSource } from 'typeorm';
import { ALL_VISIBLE } from './paging';
import { compartmentPage, searchPage } from './reads';
import {
  type Db,
  type RowCompanion,
  selectCurrent,
  selectCurrentMany,
  selectCurrentWith,
  selectVersion,
  selectVersionMany,
} from './sql/resource-sql';
import type { SearchPage, StoredResource } from './types';

/**
 * The store's unscoped reads: every row, no caller, no consent check, no audit. They are the
 * consent-scoped repository's building blocks (it decides on what they return before anything
 * leaves) and the reads of the hub's own system jobs (routing, letters, the patient index).
 * Every call site says in one line why it may read without a scope.
 */
export class InternalReads {
  constructor(
    private readonly dataSource: DataSource,
    private readonly maxCount: number,
  ) {}

  /** The current row, deleted or not (the caller decides before it says 404 or 410); undefined when never written. */
  current(
    type: SupportedType,
    id: string,
    db: Db = this.dataSource.manager,
  ): Promise<StoredResource | undefined> {
    return isValidId(id) ? selectCurrent(db, type, id) : Promise.resolve(undefined);
  }

  /** The live current row; 404 when absent, 410 when deleted. */
  async read(type: SupportedType, id: string, db: Db = this.dataSource.manager): Promise<StoredResource> {
    const stored = await this.current(type, id, db);
    if (!stored) throw notFound();
    if (stored.deleted) throw gone(`${type}/${id}`);
    return stored;
  }

  /**
   * `current()`, plus `companion`'s columns computed from that row in the same statement (one
   * round trip): the consent check reads the person's consents this way.
   */
  async currentWith(
    type: SupportedType,
    id: string,
    companion: RowCompanion,
    db: Db = this.dataSource.manager,
  ): Promise<{ stored?: StoredResource; companion?: Record<string, unknown> }> {
    return isValidId(id) ? selectCurrentWith(db, type, id, companion) : {};
  }

  /** A version, deleted or not; undefined when there is no such version. */
  async version(
    type: SupportedType,
    id: string,
    versionId: string,
    db: Db = this.dataSource.manager,
  ): Promise<StoredResource | undefined> {
    const version = Number(versionId);
    if (!isValidId(id) || !Number.isInteger(version) || version < 1) return undefined;
    return selectVersion(db, type, id, version);
  }

  /**
   * Many versions in one statement (deleted or not), keyed `Type/id/_history/version`
   * (`versionKey`); invalid or missing ones are absent.
   */
  versions(
    keys: readonly { type: string; id: string; versionId: number }[],
    db: Db = this.dataSource.manager,
  ): Promise<Map<string, StoredResource>> {
    return selectVersionMany(
      db,
      keys.filter((k) => isValidId(k.id) && Number.isInteger(k.versionId) && k.versionId >= 1),
    );
  }

  /** Many current rows in one statement (deleted or not), keyed `Type/id`; unknown ones are absent. */
  currentMany(
    keys: readonly { type: string; id: string }[],
    db: Db = this.dataSource.manager,
  ): Promise<Map<string, StoredResource>> {
    return selectCurrentMany(
      db,
      keys.filter((k) => isValidId(k.id)),
    );
  }

  /** Every current resource of the compartments of `patientIds` (the hub's letters to the patient). */
  everything(
    patientIds: readonly string[],
    options: { count?: number; pageToken?: string; types?: readonly SupportedType[] },
  ): Promise<SearchPage> {
    const count = Math.min(options.count ?? this.maxCount, this.maxCount);
    return compartmentPage(this.dataSource.manager, patientIds, { ...options, count }, ALL_VISIBLE);
  }

  /** A search over every row (conditional writes' own-provenance matches, the consent source). */
  search(query: SearchQuery, db: Db = this.dataSource.manager): Promise<SearchPage> {
    return searchPage(db, query, ALL_VISIBLE, this.maxCount);
  }

  /**
   * Whether a live current resource of `type` matches the search `params` (strict: an unknown
   * parameter is an error, not ignored) — e.g. the letters ask whether a patient has an active
   * prescription. Sees rows written earlier in the caller's transaction `db`.
   */
  async exists(type: SupportedType, params: QueryParams, db: Db = this.dataSource.manager): Promise<boolean> {
    const query = parseSearchQuery(type, params, {
      strict: true,
      defaultCount: 1,
      maxCount: 1,
      localBases: [],
    });
    const page = await searchPage(
      db,
      { ...query, count: 1, includes: [], revIncludes: [], summaryCount: false, skipTotal: true },
      ALL_VISIBLE,
      1,
    );
    return page.entries.some((e) => e.mode === 'match' && !e.stored.deleted);
  }
}
