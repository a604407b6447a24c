import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import type { Bundle, Parameters } from 'fhir/r4';
import type { QueryParams } from '@passerelle/fhir';
import type { ConsentScopedRepository } from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import { Interaction } from '../auth/interaction.decorator';
import { CurrentAccess } from '../fhir/actor.decorator';
import { Scope } from '../fhir/scope.decorator';
import { ChangesService } from './changes.service';

/**
 * The agency's feed: `GET /fhir/$changes?_since=` reads what was routed to it; `POST
 * /fhir/$changes` with a cursor acknowledges what it applied. See docs/sync.md.
 */
@Controller('fhir')
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  @Get('$changes')
  @Interaction({ discloses: true })
  read(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Query() query: QueryParams,
  ): Promise<Bundle> {
    return this.changes.read(scope, access, query);
  }

  @Post('$changes')
  @HttpCode(200)
  @Interaction({ discloses: false })
  acknowledge(@CurrentAccess() access: AccessContext, @Body() body: unknown): Promise<Parameters> {
    return this.changes.acknowledge(access.agency, body);
  }
}
