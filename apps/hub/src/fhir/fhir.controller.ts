import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import type { Bundle, CapabilityStatement, Parameters, Resource } from 'fhir/r4';
import {
  capabilityStatement,
  etag,
  informational,
  type QueryParams,
  readSubsetting,
  type Subsetting,
  subsetResource,
} from '@passerelle/fhir';
import type { ConsentScopedRepository } from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import {
  type Actor,
  parseQueryString,
  parseStored,
  type StoredResource,
  type WriteResult,
} from '@passerelle/store';
import type { FastifyReply } from 'fastify';
import { Interaction } from '../auth/interaction.decorator';
import { CurrentAccess, CurrentActor } from './actor.decorator';
import { AuditApiService } from './audit-api.service';
import { FhirApiService } from './fhir-api.service';
import { Scope } from './scope.decorator';

const VERSION = '0.1.0';

/** Unknown search parameters are a 400 unless the client asks for `Prefer: handling=lenient`. */
function strict(prefer: string | undefined): boolean {
  return !/handling\s*=\s*lenient/.test(prefer ?? '');
}

/**
 * FHIR R4 REST API. Each handler gets the caller's consent scope (`@Scope()`) and makes one
 * service call; the access guard has already checked the token, the scope for the interaction and
 * the purpose.
 */
@Controller('fhir')
export class FhirController {
  private readonly capability: CapabilityStatement;

  constructor(
    private readonly api: FhirApiService,
    private readonly audit: AuditApiService,
  ) {
    this.capability = capabilityStatement({
      baseUrl: api.baseUrl,
      version: VERSION,
      date: new Date().toISOString(),
    });
  }

  @Get('metadata')
  metadata(): CapabilityStatement {
    return this.capability;
  }

  @Post()
  @HttpCode(200)
  // Scopes and purpose of use are checked per entry: a Bundle of writes discloses nothing.
  @Interaction({ discloses: false })
  bundle(
    @Scope({ deferAudit: true }) scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Body() body: unknown,
  ): Promise<Bundle> {
    return this.api.bundle(scope, access, body);
  }

  @Get(':type')
  @Interaction({ permission: 's', discloses: true })
  search(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Query() query: QueryParams,
    @Headers('prefer') prefer?: string,
  ): Promise<Bundle | string> {
    if (this.api.type(type) === 'AuditEvent') return this.audit.search(access.agency, query, strict(prefer));
    return this.api.searchText(scope, this.api.type(type), query, strict(prefer));
  }

  @Post(':type')
  @Interaction({ permission: 'c', discloses: false })
  async create(
    @CurrentActor() actor: Actor,
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('if-none-exist') ifNoneExist?: string,
    @Headers('prefer') prefer?: string,
  ): Promise<string | Resource | undefined> {
    const criteria = ifNoneExist ? parseQueryString(ifNoneExist.replace(/^[A-Za-z]+\?/, '')) : undefined;
    const result = await this.api.create(scope, actor, this.api.type(type), body, criteria);
    return this.written(reply, result, prefer);
  }

  @Put(':type')
  @Interaction({ permission: 'u', discloses: false })
  async conditionalUpdate(
    @CurrentActor() actor: Actor,
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Query() query: QueryParams,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('prefer') prefer?: string,
  ): Promise<string | Resource | undefined> {
    const result = await this.api.conditionalUpdate(scope, actor, this.api.type(type), query, body);
    return this.written(reply, result, prefer);
  }

  @Get(':type/_history')
  @Interaction({ permission: 's', discloses: true })
  typeHistory(
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Query() query: QueryParams,
  ): Promise<Bundle> {
    return this.api.history(scope, query, { type: this.api.type(type) });
  }

  @Get(':type/:id')
  @Interaction({ permission: 'r', discloses: true })
  async read(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | null> {
    const subset = readSubsetting(this.api.type(type), query);
    if (this.api.type(type) === 'AuditEvent')
      return this.subsetted(await this.audit.read(access.agency, id), subset);
    const stored = await scope.read(this.api.type(type), id);
    this.versionHeaders(reply, stored);
    return subset && !stored.deleted
      ? JSON.stringify(subsetResource(parseStored(stored), subset))
      : stored.json;
  }

  @Put(':type/:id')
  @Interaction({ permission: 'u', discloses: false })
  async update(
    @CurrentActor() actor: Actor,
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('if-match') ifMatch?: string,
    @Headers('prefer') prefer?: string,
  ): Promise<string | Resource | undefined> {
    const result = await this.api.update(scope, actor, this.api.type(type), id, body, ifMatch);
    return this.written(reply, result, prefer);
  }

  @Delete(':type/:id')
  @Interaction({ permission: 'd', discloses: false })
  async delete(
    @CurrentActor() actor: Actor,
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Param('id') id: string,
  ): Promise<Resource> {
    await this.api.delete(scope, actor, this.api.type(type), id);
    return informational('Deleted');
  }

  @Get(':type/:id/_history')
  @Interaction({ permission: 'r', discloses: true })
  instanceHistory(
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
  ): Promise<Bundle> {
    return this.api.history(scope, query, {
      type: this.api.type(type),
      id,
    });
  }

  @Get(':type/:id/_history/:vid')
  @Interaction({ permission: 'r', discloses: true })
  async vread(
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Param('id') id: string,
    @Param('vid') vid: string,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string | null> {
    const subset = readSubsetting(this.api.type(type), query);
    const stored = await scope.vread(this.api.type(type), id, vid);
    this.versionHeaders(reply, stored);
    return subset && !stored.deleted
      ? JSON.stringify(subsetResource(parseStored(stored), subset))
      : stored.json;
  }

  @Post(':type/$match')
  @HttpCode(200)
  @Interaction({ permission: 's', discloses: true })
  match(
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Body() body: unknown,
  ): Promise<Bundle> {
    if (this.api.type(type) !== 'Patient') throw this.api.unknownOperation();
    return this.api.match(scope, body);
  }

  @Get(':type/:id/$access-report')
  @Interaction({ permission: 'r', discloses: true })
  accessReport(
    @Scope() scope: ConsentScopedRepository,
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
  ): Promise<Parameters> {
    if (this.api.type(type) !== 'Patient') throw this.api.unknownOperation();
    return this.audit.accessReport(scope, id, query);
  }

  @Get(':type/:id/$everything')
  @Interaction({ permission: 'r', discloses: true })
  everything(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
  ): Promise<Bundle> {
    if (this.api.type(type) !== 'Patient') throw this.api.unknownOperation();
    return this.api.everything(scope, access, id, query);
  }

  /** A resource's JSON as `_summary`/`_elements` asks (as stored when they are absent). */
  private subsetted(json: string, subset: Subsetting | undefined): string {
    return subset ? JSON.stringify(subsetResource(JSON.parse(json) as Resource, subset)) : json;
  }

  private versionHeaders(reply: FastifyReply, stored: StoredResource): void {
    reply.header('etag', etag(stored.versionId));
    reply.header('last-modified', stored.lastUpdated.toUTCString());
  }

  /** 201 + Location for a creation, 200 otherwise; the body follows `Prefer: return=`. */
  private written(
    reply: FastifyReply,
    result: WriteResult,
    prefer: string | undefined,
  ): string | Resource | undefined {
    const { stored } = result;
    reply.status(result.status);
    this.versionHeaders(reply, stored);
    reply.header('location', `${this.api.baseUrl}/${stored.type}/${stored.id}/_history/${stored.versionId}`);
    if (/return\s*=\s*minimal/.test(prefer ?? '')) return undefined;
    if (/return\s*=\s*OperationOutcome/.test(prefer ?? '')) {
      return informational(
        result.changed ? 'Stored' : 'Unchanged: the stored version already has this content',
      );
    }
    return stored.json ?? undefined;
  }
}
