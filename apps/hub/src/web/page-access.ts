import {
  applyDecorators,
  type CanActivate,
  Controller,
  createParamDecorator,
  type ExecutionContext,
  Injectable,
  SetMetadata,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiExcludeController } from '@nestjs/swagger';
import type { LiveSession, OperatorRole } from '@passerelle/accounts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageAnswered, WebExceptionFilter } from './web-exception.filter';
import { WebPages } from './web-pages';

/** Who a page is for: clinicians, or operators with a role. */
export type PageAudience = OperatorRole | 'clinician';

const PAGE_FOR = 'passerelle:page-for';

/** The session the guard checked, for `@PageSession()`. */
const checked = new WeakMap<object, LiveSession>();

const allowedFor =
  (audience: PageAudience) =>
  (session: LiveSession): boolean =>
    audience === 'clinician'
      ? session.account.kind === 'clinician'
      : session.account.kind === 'operator' && session.account.roles.includes(audience);

/**
 * Every page handler of a controller for an audience goes through this first (WebPages.require):
 * no session → the login page; not for this user → 403; a POST without the session's CSRF token
 * → 403. Having answered, it stops the handler (PageAnswered, which the pages' filter ignores).
 */
@Injectable()
export class PageAccessGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly pages: WebPages,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const audience = this.reflector.getAllAndOverride<PageAudience | undefined>(PAGE_FOR, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!audience) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const session = await this.pages.require(request, reply, allowedFor(audience), request.body);
    if (!session) throw new PageAnswered();
    checked.set(request, session);
    return true;
  }
}

/** The live session of the user the page is for (its controller has an audience). */
export const PageSession = createParamDecorator((_: unknown, context: ExecutionContext): LiveSession => {
  const session = checked.get(context.switchToHttp().getRequest<FastifyRequest>());
  if (!session) throw new Error('@PageSession() on a page without an audience: no session was checked');
  return session;
});

/**
 * A controller of pages: HTML errors (WebExceptionFilter), not in the OpenAPI document, and, for
 * an audience, every handler behind PageAccessGuard.
 */
export function PageController(path: string, audience?: PageAudience): ClassDecorator {
  return applyDecorators(
    ApiExcludeController(),
    UseFilters(WebExceptionFilter),
    Controller(path),
    ...(audience ? [SetMetadata(PAGE_FOR, audience), UseGuards(PageAccessGuard)] : []),
  );
}
