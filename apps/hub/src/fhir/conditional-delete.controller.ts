import { Controller, Delete, Param, Req } from '@nestjs/common';
import type { Bundle, OperationOutcome } from 'fhir/r4';
import { badRequest, informational } from '@passerelle/fhir';
import type { ConsentScopedRepository } from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import type { FastifyRequest } from 'fastify';
import { Interaction } from '../auth/interaction.decorator';
import { CurrentAccess } from './actor.decorator';
import { FhirApiService } from './fhir-api.service';
import { Scope } from './scope.decorator';

/**
 * `DELETE /fhir/{type}?identifier=system|value`: conditional delete, how a connector withdraws a
 * record its agency deleted. It runs as a transaction of one conditional DELETE entry, the path
 * Bundles already take: the criteria match only what the calling agency sent (never another
 * agency's resources), several matches answer 412, none changes nothing; the write is audited
 * in its transaction and its deletion version is routed as a tombstone (docs/sync.md).
 */
@Controller('fhir')
export class ConditionalDeleteController {
  constructor(private readonly api: FhirApiService) {}

  @Delete(':type')
  @Interaction({ permission: 'd', discloses: false })
  async conditionalDelete(
    @Scope({ deferAudit: true }) scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Req() request: FastifyRequest,
  ): Promise<OperationOutcome> {
    const raw = request.raw.url ?? '';
    const criteria = raw.includes('?') ? raw.slice(raw.indexOf('?') + 1) : '';
    if (criteria === '')
      throw badRequest('Conditional delete needs search criteria, e.g. ?identifier=system|value');
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ request: { method: 'DELETE', url: `${this.api.type(type)}?${criteria}` } }],
    };
    const answer = await this.api.bundle(scope, access, bundle);
    const deleted = answer.entry?.[0]?.response?.status?.startsWith('200') === true;
    return informational(deleted ? 'Deleted' : 'Nothing to delete: no resource of yours matches');
  }
}
