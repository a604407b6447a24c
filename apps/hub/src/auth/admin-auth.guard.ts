import { timingSafeEqual, createHash } from 'node:crypto';
import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { operatorCredentialProblem } from '@passerelle/config';
import { unauthorized } from '@passerelle/fhir';
import type { FastifyRequest } from 'fastify';

export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');

/**
 * The operator credential for /admin, compared in constant time. The guard cannot be built on a
 * credential too short to protect anything, and an empty or missing Bearer never matches.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(@Inject(ADMIN_TOKEN) adminToken: string) {
    const problem = operatorCredentialProblem(adminToken);
    if (problem) throw new Error(`The operator credential ${problem}`);
    this.expected = createHash('sha256').update(adminToken).digest();
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const given = createHash('sha256')
      .update(token ?? '')
      .digest();
    if (!token || !timingSafeEqual(given, this.expected))
      throw unauthorized('Operator credential required', 'Bearer realm="passerelle-admin"');
    return true;
  }
}
