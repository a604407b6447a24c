import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Actor } from '@passerelle/store';
import type { FastifyRequest } from 'fastify';

/**
 * Who is calling. Until agencies authenticate (identity issue), every caller is the
 * `unauthenticated` agency and the FHIR API must not be exposed beyond a trusted network.
 */
export const UNAUTHENTICATED_AGENCY = 'unauthenticated';

export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  return { agency: UNAUTHENTICATED_AGENCY, requestId: request.id };
});
