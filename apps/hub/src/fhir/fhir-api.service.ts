import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, Resource } from 'fhir/r4';
import type { ConsentScopedRepository } from '@passerelle/consent';
import {
  forbidden,
  historyBundle,
  isSupportedType,
  notStoredReason,
  notFound,
  type QueryParams,
  queryString,
  searchsetBundle,
  type Subsetting,
  subsetResource,
  searchsetJson,
  SUPPORTED_TYPES,
  type SupportedType,
} from '@passerelle/fhir';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { type AccessContext, allows, type Permission } from '@passerelle/identity';
import {
  type Actor,
  BundleProcessor,
  type Db,
  type EntryRequest,
  FhirRepository,
  parseStored,
  type SearchPage,
  type StoredResource,
  type WriteResult,
  type WrittenHook,
} from '@passerelle/store';
import { FHIR_BASE_URL } from '../core.module';
import { PatientLinksService } from './patient-links.service';

/** A search entry's stored JSON; entries are never deleted versions. */
function jsonOf(stored: StoredResource): string {
  if (stored.json === null) throw new Error('A deleted version has no content');
  return stored.json;
}

function positiveInt(value: string | string[] | undefined): number | undefined {
  const n = typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * Turns HTTP-level requests into calls on the caller's consent-scoped repository, and results
 * into FHIR Bundles. Nothing here reads patient data except through the scope.
 */
@Injectable()
export class FhirApiService {
  constructor(
    private readonly repo: FhirRepository,
    private readonly links: PatientLinksService,
    @Inject(FHIR_BASE_URL) readonly baseUrl: string,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  /** Unknown types are 404, like an unknown route; an R4 type the hub does not store says why. */
  type(value: string): SupportedType {
    if (isSupportedType(value)) return value;
    const why = notStoredReason(value);
    throw notFound(why ? `The hub does not store ${value}: ${why}` : `Unknown or unsupported resource type`);
  }

  unknownOperation() {
    return notFound('Unknown operation');
  }

  async search(
    scope: ConsentScopedRepository,
    type: SupportedType,
    params: QueryParams,
    strict: boolean,
    db?: Db,
  ): Promise<Bundle> {
    const query = await this.links.expandQuery(this.repo.parseQuery(type, params, strict), db);
    const page = await scope.search(query, queryString(query.echo), db);
    const self = `${this.baseUrl}/${type}${queryString(query.echo)}`;
    return this.searchset(page, self, query.echo, `${this.baseUrl}/${type}`, query.subset);
  }

  /**
   * `search` answered as JSON text, the matches spliced in as stored (see searchsetJson): what
   * the HTTP search answers. Bundle GET entries, which embed the searchset, use `search`; so does
   * a search that asks for part of each resource (`_summary`, `_elements`), which must be cut.
   */
  async searchText(
    scope: ConsentScopedRepository,
    type: SupportedType,
    params: QueryParams,
    strict: boolean,
  ): Promise<string> {
    const query = await this.links.expandQuery(this.repo.parseQuery(type, params, strict));
    const page = await scope.search(query, queryString(query.echo));
    const path = `${this.baseUrl}/${type}`;
    if (query.subset)
      return JSON.stringify(
        this.searchset(page, `${path}${queryString(query.echo)}`, query.echo, path, query.subset),
      );
    return searchsetJson(
      this.baseUrl,
      page.entries.map((e) => ({
        type: e.stored.type,
        id: e.stored.id,
        json: jsonOf(e.stored),
        mode: e.mode,
      })),
      {
        self: `${path}${queryString(query.echo)}`,
        next: page.nextPageToken
          ? `${path}${queryString([...query.echo, ['_page', page.nextPageToken]])}`
          : undefined,
      },
      page.total,
    );
  }

  /** Transaction and batch entries: each needs the scope its own interaction would need. */
  authorizeEntry(access: AccessContext, entry: EntryRequest): void {
    const permission: Permission =
      entry.method === 'GET'
        ? entry.id !== undefined
          ? 'r'
          : 's'
        : entry.method === 'POST'
          ? 'c'
          : entry.method === 'PUT'
            ? 'u'
            : 'd';
    if (!allows(access.scopes, entry.type, permission)) {
      throw forbidden(
        `Bundle.entry[${entry.index}]: the token's scopes do not allow this interaction on ${entry.type}`,
      );
    }
    if (entry.method === 'GET' && !access.purposeOfUse) {
      throw forbidden(`Bundle.entry[${entry.index}]: a purpose of use is required to read patient data`);
    }
  }

  /**
   * A transaction or batch. Its writes are audited inside their own transaction (they commit
   * together or not at all), with the records of a transaction's GET entries; GET entries
   * outside a writing transaction read through a scope whose audit is held until the Bundle is
   * done (inside a transaction no second connection may open), then written before the answer.
   */
  async bundle(scope: ConsentScopedRepository, access: AccessContext, body: unknown): Promise<Bundle> {
    const processor = new BundleProcessor(this.repo, (db, _actor, request) =>
      this.answerGet(scope, db, request),
    );
    const kind = (body as { type?: string } | null)?.type === 'batch' ? 'batch' : 'transaction';
    const result = await this.writeAudited(scope.auditWrites(kind), (onWritten) =>
      processor.process(scope.actor, body, {
        authorize: (entry) => this.authorizeEntry(access, entry),
        onWritten,
        maxEntries: this.config.fhir.maxBundleEntries,
      }),
    );
    await scope.flush();
    return result;
  }

  /** POST Type (`ifNoneExist`: the criteria of a conditional create). */
  create(
    scope: ConsentScopedRepository,
    actor: Actor,
    type: SupportedType,
    body: unknown,
    ifNoneExist: QueryParams | undefined,
  ): Promise<WriteResult> {
    return this.written(scope, (onWritten) => this.repo.create(actor, type, body, ifNoneExist, onWritten));
  }

  /** PUT Type?criteria. */
  conditionalUpdate(
    scope: ConsentScopedRepository,
    actor: Actor,
    type: SupportedType,
    criteria: QueryParams,
    body: unknown,
  ): Promise<WriteResult> {
    return this.written(scope, (onWritten) =>
      this.repo.conditionalUpdate(actor, type, criteria, body, onWritten),
    );
  }

  /** PUT Type/id, `If-Match` honoured. */
  update(
    scope: ConsentScopedRepository,
    actor: Actor,
    type: SupportedType,
    id: string,
    body: unknown,
    ifMatch: string | undefined,
  ): Promise<WriteResult> {
    return this.written(scope, (onWritten) => this.repo.update(actor, type, id, body, ifMatch, onWritten));
  }

  /** DELETE Type/id. */
  delete(
    scope: ConsentScopedRepository,
    actor: Actor,
    type: SupportedType,
    id: string,
  ): Promise<WriteResult | undefined> {
    return this.written(scope, (onWritten) => this.repo.delete(actor, type, id, onWritten));
  }

  /** Patient/$match: the caller's own records and those it may see that match the candidate. */
  match(scope: ConsentScopedRepository, body: unknown): Promise<Bundle> {
    return this.links.match(scope, this.baseUrl, body);
  }

  /** create, update, conditional update, delete: `write` is handed the audit hook of the write's transaction. */
  private written<T extends WriteResult | undefined>(
    scope: ConsentScopedRepository,
    write: (onWritten: WrittenHook) => Promise<T>,
  ): Promise<T> {
    return this.writeAudited(scope.auditWrites(), write);
  }

  /**
   * Runs `write` with `audit` as its in-transaction hook; only bench/ingest's baseline
   * (BENCH_WRITE_AUDIT=after-commit) appends the records after the commit instead, through the
   * group commit, as the hub did before.
   */
  private async writeAudited<T>(
    audit: WrittenHook,
    write: (onWritten: WrittenHook) => Promise<T>,
  ): Promise<T> {
    if (this.config.fhir.writeAudit === 'in-transaction') return write(audit);
    const changed: WriteResult[] = [];
    const result = await write((_db, written) => {
      changed.push(...written);
      return Promise.resolve();
    });
    if (changed.length > 0) await audit(this.repo.dataSource.manager, changed);
    return result;
  }

  async everything(
    scope: ConsentScopedRepository,
    access: AccessContext,
    id: string,
    params: QueryParams,
  ): Promise<Bundle> {
    const count = positiveInt(params._count);
    const echo: [string, string][] = count !== undefined ? [['_count', String(count)]] : [];
    const page = await scope.everything(
      id,
      await this.links.linkedPatients(id),
      {
        // Only the types the token may read are returned.
        types: SUPPORTED_TYPES.filter((t) => allows(access.scopes, t, 'r') || allows(access.scopes, t, 's')),
        count,
        pageToken: typeof params._page === 'string' ? params._page : undefined,
      },
      queryString(echo),
    );
    const path = `${this.baseUrl}/Patient/${id}/$everything`;
    return this.searchset(page, `${path}${queryString(echo)}`, echo, path);
  }

  async history(
    scope: ConsentScopedRepository,
    params: QueryParams,
    target: { type?: SupportedType; id?: string },
  ): Promise<Bundle> {
    const since = typeof params._since === 'string' ? params._since : undefined;
    const count = positiveInt(params._count);
    const echo: [string, string][] = [];
    if (since) echo.push(['_since', since]);
    if (count !== undefined) echo.push(['_count', String(count)]);
    const page = await scope.history(
      { ...target, since, count, pageToken: typeof params._page === 'string' ? params._page : undefined },
      queryString(echo),
    );
    const path = [this.baseUrl, target.type, target.id, '_history'].filter(Boolean).join('/');
    return historyBundle(
      this.baseUrl,
      page.entries.map((e) => ({
        resource: e.stored.deleted ? undefined : parseStored(e.stored),
        type: e.stored.type,
        id: e.stored.id,
        versionId: e.stored.versionId,
        lastUpdated: e.stored.lastUpdated,
        method: e.method,
      })),
      {
        self: `${path}${queryString(echo)}`,
        next: page.nextPageToken
          ? `${path}${queryString([...echo, ['_page', page.nextPageToken]])}`
          : undefined,
      },
    );
  }

  private searchset(
    page: SearchPage,
    self: string,
    echo: [string, string][],
    path: string,
    subset?: Subsetting,
  ): Bundle {
    return searchsetBundle(
      this.baseUrl,
      page.entries.map((e) => {
        const resource = parseStored(e.stored);
        // Matches and includes alike (search.html#summary).
        return { resource: subset ? subsetResource(resource, subset) : resource, mode: e.mode };
      }),
      {
        self,
        next: page.nextPageToken
          ? `${path}${queryString([...echo, ['_page', page.nextPageToken]])}`
          : undefined,
      },
      page.total,
    );
  }

  /** GET entries of a transaction or batch: a read or a search, inside the caller's transaction. */
  private async answerGet(
    scope: ConsentScopedRepository,
    db: Db,
    request: EntryRequest,
  ): Promise<{ status: number; resource: Resource }> {
    if (request.id !== undefined) {
      return { status: 200, resource: parseStored(await scope.read(request.type, request.id, db)) };
    }
    return {
      status: 200,
      // A Bundle entry has no Prefer header: strict, as a search is by default.
      resource: await this.search(scope, request.type, request.criteria ?? {}, true, db),
    };
  }
}
