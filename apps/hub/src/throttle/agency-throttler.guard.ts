import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { AuthenticatedRequest } from '../auth/fhir-auth.guard';

/**
 * Rate limits per agency (from the access token the FHIR guard verified before this guard runs),
 * per client address for requests without one (the token endpoint, public metadata).
 */
@Injectable()
export class AgencyThrottlerGuard extends ThrottlerGuard {
  protected override getTracker(req: Record<string, unknown>): Promise<string> {
    const request = req as unknown as AuthenticatedRequest;
    return Promise.resolve(request.access ? `agency:${request.access.agency}` : `ip:${request.ip}`);
  }
}
