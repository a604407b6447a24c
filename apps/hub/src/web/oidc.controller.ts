import { Get, Logger, Query, Req, Res } from '@nestjs/common';
import { AccountService, SessionStore } from '@passerelle/accounts';
import { ErrorPage, LoginPage, type LoginProblem } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LoginAudit } from './login-audit';
import { OidcLogin, type PendingLogin } from './oidc-login';
import { PageController } from './page-access';
import { localPath, OIDC_COOKIE, WebPages } from './web-pages';

function readPending(cookie: string | undefined): PendingLogin | undefined {
  if (!cookie || cookie.length > 2000) return undefined;
  try {
    const value = JSON.parse(Buffer.from(cookie, 'base64url').toString('utf8')) as Partial<PendingLogin>;
    const { verifier, state, nonce, next } = value;
    if ([verifier, state, nonce, next].every((v) => typeof v === 'string')) return value as PendingLogin;
  } catch {
    // not ours
  }
  return undefined;
}

/**
 * Log in through the deployment's OpenID Connect provider (OIDC_ISSUER). The provider proves who
 * the person is; the hub's account bound to that subject (`issuer|sub`, set by an administrator)
 * says what they may do. An unbound subject gets no session.
 */
@PageController('login/oidc')
export class OidcController {
  private readonly logger = new Logger('WebOidcLogin');

  constructor(
    private readonly pages: WebPages,
    private readonly oidc: OidcLogin,
    private readonly accounts: AccountService,
    private readonly sessions: SessionStore,
    private readonly loginAudit: LoginAudit,
  ) {}

  @Get()
  async start(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('next') next: unknown,
  ): Promise<void> {
    if (!this.oidc.label)
      return this.pages.send(reply, ErrorPage({ page: this.pages.context(request), kind: 'not-found' }), 404);
    const { url, pending } = await this.oidc.start(localPath(next));
    this.pages.setOidcPending(reply, Buffer.from(JSON.stringify(pending)).toString('base64url'));
    this.pages.redirect(reply, url);
  }

  @Get('callback')
  async callback(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    if (!this.oidc.label)
      return this.pages.send(reply, ErrorPage({ page: this.pages.context(request), kind: 'not-found' }), 404);
    const pending = readPending(request.cookies[OIDC_COOKIE]);
    this.pages.clearOidcPending(reply);
    if (!pending) {
      await this.loginAudit.record('login-failed', 'oidc', request.id);
      return this.refuse(request, reply, 'expired');
    }
    let subject: string;
    try {
      subject = await this.oidc.finish(request.url, pending);
    } catch (e) {
      // The provider's answer did not check out (state, nonce, code, signature): no session.
      this.logger.warn(`OpenID Connect login refused: ${e instanceof Error ? e.message : String(e)}`);
      await this.loginAudit.record('login-failed', 'oidc', request.id);
      return this.refuse(request, reply, 'oidc-failed');
    }
    const account = await this.accounts.findByOidcSubject(subject);
    if (!account) {
      this.logger.warn('OpenID Connect login refused: the subject is bound to no enabled account');
      await this.loginAudit.record('login-failed', 'oidc', request.id);
      return this.refuse(request, reply, 'oidc-unknown');
    }
    const opened = await this.sessions.open(account.id);
    await this.loginAudit.record('login', 'oidc', request.id, account);
    this.pages.startSession(reply, opened.token);
    const home = account.kind === 'clinician' ? '/clinician' : '/';
    this.pages.redirect(reply, pending.next === '/' ? home : pending.next);
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, problem: LoginProblem): void {
    const page = this.pages.context(request, undefined, this.pages.loginCsrf(request, reply));
    this.pages.send(reply, LoginPage({ page, problem }), 401);
  }
}
