import { Inject, Injectable } from '@nestjs/common';
import type { Bundle, Resource } from 'fhir/r4';
import { type AccessContext, allows, type Permission } from '@passerelle/identity';
import {
  forbidden,
  SUPPORTED_TYPES,
  type QueryParams,
  type SupportedType,
  historyBundle,
  isSupportedType,
  notFound,
  queryString,
  searchsetBundle,
} from '@passerelle/fhir';
import {
  type Actor,
  BundleProcessor,
  type Db,
  type EntryRequest,
  FhirRepository,
  parseStored,
  type SearchPage,
  type StoredResource,
} from '@passerelle/store';
import { FHIR_BASE_URL } from '../core.module';
import { PatientLinksService } from './patient-links.service';

/** Turns HTTP-level requests into repository calls and repository results into FHIR Bundles. */
@Injectable()
export class FhirApiService {
  readonly bundles: BundleProcessor;

  constructor(
    readonly repo: FhirRepository,
    readonly links: PatientLinksService,
    @Inject(FHIR_BASE_URL) readonly baseUrl: string,
  ) {
    this.bundles = new BundleProcessor(repo, (db, actor, request) => this.answerGet(db, actor, request));
  }

  /** Unknown types are 404, like an unknown route. */
  type(value: string): SupportedType {
    if (!isSupportedType(value)) throw notFound(`Unknown or unsupported resource type`);
    return value;
  }

  unknownOperation() {
    return notFound('Unknown operation');
  }

  async search(
    actor: Actor,
    type: SupportedType,
    params: QueryParams,
    strict: boolean,
    db?: Db,
  ): Promise<Bundle> {
    const query = this.repo.parseQuery(type, params, strict);
    const page = await this.repo.search(actor, await this.links.expandQuery(query, db), db);
    const self = `${this.baseUrl}/${type}${queryString(query.echo)}`;
    return this.searchset(page, self, query.echo, `${this.baseUrl}/${type}`);
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

  async everything(actor: Actor, access: AccessContext, id: string, params: QueryParams): Promise<Bundle> {
    const count = typeof params._count === 'string' ? Number(params._count) : undefined;
    const pageToken = typeof params._page === 'string' ? params._page : undefined;
    // Only the types the token may read are returned.
    await this.repo.read(actor, 'Patient', id);
    const page = await this.repo.everything(actor, await this.links.linkedPatients(id), {
      types: SUPPORTED_TYPES.filter((t) => allows(access.scopes, t, 'r') || allows(access.scopes, t, 's')),
      count: count !== undefined && Number.isInteger(count) && count > 0 ? count : undefined,
      pageToken,
    });
    const echo: [string, string][] = count !== undefined ? [['_count', String(count)]] : [];
    const path = `${this.baseUrl}/Patient/${id}/$everything`;
    return this.searchset(page, `${path}${queryString(echo)}`, echo, path);
  }

  async history(
    actor: Actor,
    params: QueryParams,
    target: { type?: SupportedType; id?: string },
  ): Promise<Bundle> {
    const single = (name: string) => (typeof params[name] === 'string' ? params[name] : undefined);
    const count = single('_count') !== undefined ? Number(single('_count')) : undefined;
    const page = await this.repo.history(actor, {
      ...target,
      since: single('_since'),
      count: count !== undefined && Number.isInteger(count) && count > 0 ? count : undefined,
      pageToken: single('_page'),
    });
    const echo: [string, string][] = [];
    if (single('_since')) echo.push(['_since', single('_since')!]);
    if (count !== undefined) echo.push(['_count', String(count)]);
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

  private searchset(page: SearchPage, self: string, echo: [string, string][], path: string): Bundle {
    return searchsetBundle(
      this.baseUrl,
      page.entries.map((e) => ({ resource: parseStored(e.stored), mode: e.mode })),
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
    db: Db,
    actor: Actor,
    request: EntryRequest,
  ): Promise<{ status: number; resource: Resource }> {
    if (request.id !== undefined) {
      const stored: StoredResource = await this.repo.read(actor, request.type, request.id, db);
      return { status: 200, resource: parseStored(stored) };
    }
    return {
      status: 200,
      resource: await this.search(actor, request.type, request.criteria ?? {}, false, db),
    };
  }
}
