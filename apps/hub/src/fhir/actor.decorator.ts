import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AccessContext } from '@passerelle/identity';
import type { Actor } from '@passerelle/store';
import type { AuthenticatedRequest } from '../auth/fhir-auth.guard';

export function accessOf(ctx: ExecutionContext): { request: AuthenticatedRequest; access: AccessContext } {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  // The FHIR guard runs before every handler that asks for the caller; no access here is a wiring bug.
  if (!request.access) throw new Error('No verified access context on an authenticated route');
  return { request, access: request.access };
}

/** The calling agency, as the store records it, with what its writes' reference checks decide with. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const { request, access } = accessOf(ctx);
  return {
    agency: access.agency,
    requestId: request.id,
    access: { agencyKind: access.agencyKind, purposeOfUse: access.purposeOfUse },
  };
});

/** Everything the verified access token says: agency, scopes, purpose of use, practitioner. */
export const CurrentAccess = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): AccessContext => accessOf(ctx).access,
);
