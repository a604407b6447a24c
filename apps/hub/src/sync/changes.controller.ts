import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import type { Bundle, Parameters } from 'fhir/r4';
import type { QueryParams } from '@passerelle/fhir';
import type { AccessContext } from '@passerelle/identity';
import type { Actor } from '@passerelle/store';
import { Interaction } from '../auth/interaction.decorator';
import { CurrentAccess, CurrentActor } from '../fhir/actor.decorator';
import { ScopeFactory } from '../fhir/scope.factory';
import { ChangesService } from './changes.service';

/**
 * The agency's feed: `GET /fhir/$changes?_since=` reads what was routed to it; `POST
 * /fhir/$changes` with a cursor acknowledges what it applied. See docs/sync.md.
 */
@Controller('fhir')
export class ChangesController {
  constructor(
    private readonly changes: ChangesService,
    private readonly scopes: ScopeFactory,
  ) {}

  @Get('$changes')
  @Interaction({ discloses: true })
  read(
    @CurrentActor() actor: Actor,
    @CurrentAccess() access: AccessContext,
    @Query() query: QueryParams,
  ): Promise<Bundle> {
    return this.changes.read(this.scopes.for(access, actor.requestId), access, query);
  }

  @Post('$changes')
  @HttpCode(200)
  @Interaction({ discloses: false })
  acknowledge(@CurrentAccess() access: AccessContext, @Body() body: unknown): Promise<Parameters> {
    return this.changes.acknowledge(access.agency, body);
  }
}
