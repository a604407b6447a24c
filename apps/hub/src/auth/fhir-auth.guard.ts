import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { forbidden, isSupportedType, unauthorized } from '@passerelle/fhir';
import { type AccessContext, allows } from '@passerelle/identity';
import type { FastifyRequest } from 'fastify';
import { INTERACTION, type InteractionRule } from './interaction.decorator';

/** Checks a hub access token and returns who it speaks for; throws on anything else. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessContext> | AccessContext;
}
export const ACCESS_TOKEN_VERIFIER = Symbol('ACCESS_TOKEN_VERIFIER');

/** The request as the guard leaves it: the verified caller travels with it. */
export type AuthenticatedRequest = FastifyRequest & { access?: AccessContext };

const CHALLENGE = 'Bearer realm="passerelle"';

/**
 * The FHIR API's door: a valid hub access token, the SMART scope for the interaction on the
 * route's type, and a purpose of use for anything that discloses patient data. Deny by default.
 */
@Injectable()
export class FhirAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ACCESS_TOKEN_VERIFIER) private readonly verifier: AccessTokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const rule = this.reflector.get<InteractionRule | undefined>(INTERACTION, context.getHandler());
    if (!rule) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = header && /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    if (!token) throw unauthorized('An access token is required', CHALLENGE);
    let access: AccessContext;
    try {
      access = await this.verifier.verify(token);
    } catch {
      throw unauthorized('The access token is invalid or expired', `${CHALLENGE}, error="invalid_token"`);
    }
    request.access = access;
    const type = (request.params as Record<string, string | undefined>).type ?? rule.type;
    if (
      rule.permission &&
      type !== undefined &&
      isSupportedType(type) &&
      !allows(access.scopes, type, rule.permission)
    ) {
      throw forbidden(`The token's scopes do not allow this interaction on ${type}`);
    }
    if (rule.discloses && !access.purposeOfUse)
      throw forbidden('A purpose of use is required to read patient data');
    return true;
  }
}
