import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../auth/fhir-auth.guard';
import { clientKey } from './client-ip-throttler.guard';

/**
 * Rate limits per agency (from the access token the FHIR guard verified before this guard runs),
 * per client address for requests without one (the token endpoint, public metadata), on top of
 * the limit per address that ClientIpThrottlerGuard counted first.
 */
@Injectable()
export class AgencyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return Promise.resolve(
      request.access ? `agency:${request.access.agency}` : clientKey(request as FastifyRequest),
    );
  }
}
