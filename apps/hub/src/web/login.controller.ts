import { Body, Get, HttpCode, Logger, Post, Query, Req, Res } from '@nestjs/common';
import { AccountService, SessionStore } from '@passerelle/accounts';
import { ErrorPage, LoginPage, type LoginProblem } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageController } from './page-access';
import { LoginAudit } from './login-audit';
import { field, localPath, SESSION_COOKIE, WebPages } from './web-pages';

/** Log in with a hub account, log out. A new session (and cookie) at every login. */
@PageController('')
export class LoginController {
  private readonly logger = new Logger('WebLogin');

  constructor(
    private readonly pages: WebPages,
    private readonly accounts: AccountService,
    private readonly sessions: SessionStore,
    private readonly loginAudit: LoginAudit,
  ) {}

  @Get('login')
  async form(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('next') next: unknown,
    @Query('problem') problem: unknown,
  ): Promise<void> {
    const session = await this.pages.session(request);
    if (session) return this.pages.redirect(reply, localPath(next));
    const page = this.pages.context(request, undefined, this.pages.loginCsrf(request, reply));
    const shown: LoginProblem | undefined =
      problem === 'expired' || problem === 'logged-out' ? problem : undefined;
    const nextPath = localPath(next);
    this.pages.send(
      reply,
      LoginPage({ page, problem: shown, next: nextPath === '/' ? undefined : nextPath }),
    );
  }

  @Post('login')
  @HttpCode(200)
  async login(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    if (!this.pages.loginCsrfValid(request, body)) {
      const page = this.pages.context(request);
      return this.pages.send(reply, ErrorPage({ page, kind: 'csrf' }), 403);
    }
    const username = field(body, 'username') ?? '';
    const next = localPath(field(body, 'next'));
    const result = await this.accounts.login(
      username.slice(0, 64),
      (field(body, 'password') ?? '').slice(0, 1024),
    );
    if (!result.ok) {
      // Which account, never which password; a lock is worth an operator's attention.
      if (result.reason === 'locked')
        this.logger.warn(`login refused: account ${result.account?.id ?? '?'} is locked`);
      // Refused while already locked, or this failure is the one that locked it.
      const lockedBefore = (result.account?.lockedUntil?.getTime() ?? 0) > Date.now();
      const event = result.reason === 'invalid' ? 'login-failed' : lockedBefore ? 'login-locked' : 'lockout';
      await this.loginAudit.record(event, 'password', request.id, result.account);
      const page = this.pages.context(request, undefined, this.pages.loginCsrf(request, reply));
      return this.pages.send(
        reply,
        LoginPage({ page, problem: result.reason, next: next === '/' ? undefined : next, username }),
        result.reason === 'locked' ? 429 : 401,
      );
    }
    const opened = await this.sessions.open(result.account.id);
    await this.loginAudit.record('login', 'password', request.id, result.account);
    this.pages.startSession(reply, opened.token);
    const home = result.account.kind === 'clinician' ? '/clinician' : '/';
    this.pages.redirect(reply, next === '/' ? home : next);
  }

  @Post('logout')
  @HttpCode(200)
  async logout(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.pages.session(request);
    if (!session) return this.pages.redirect(reply, '/login?problem=expired');
    if (!this.pages.csrfValid(session, body)) {
      return this.pages.send(
        reply,
        ErrorPage({ page: this.pages.context(request, session), kind: 'csrf' }),
        403,
      );
    }
    await this.sessions.close(request.cookies[SESSION_COOKIE]);
    await this.loginAudit.record('logout', undefined, request.id, session.account);
    this.pages.endSession(reply);
    this.pages.redirect(reply, '/login?problem=logged-out');
  }
}
