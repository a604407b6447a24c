import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_SESSION_POLICY, type LiveSession, sameSecret, SessionStore } from '@passerelle/accounts';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import {
  ErrorPage,
  type Html,
  type Lang,
  messagesFor,
  type PageContext,
  pickLanguage,
} from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';

export const SESSION_COOKIE = 'passerelle_session';
export const LOGIN_CSRF_COOKIE = 'passerelle_login_csrf';
export const LANGUAGE_COOKIE = 'passerelle_lang';
export const OIDC_COOKIE = 'passerelle_oidc';

/**
 * Pages use no frame and no third party: the policy says so, and a form may only post to the hub
 * itself. Scripts only from the hub (the mailroom's address checks: progressive enhancement),
 * which may only ask the hub.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
};

/** A local path to go back to after login or a language change; anything else is home. */
export function localPath(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[^\s]*$/.test(value) && value.length < 2000 ? value : '/';
}

/** One field of a parsed form (the hub's form parser gives a string, or a list when repeated). */
export function field(body: unknown, name: string): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** What every page controller shares: the session from its cookie, the language, CSRF, and sending HTML. */
@Injectable()
export class WebPages {
  private readonly secure: boolean;
  private readonly oidcLabel?: string;

  constructor(
    private readonly sessions: SessionStore,
    @Inject(HUB_CONFIG) config: HubConfig,
  ) {
    // Cookies are Secure whenever the hub is reached over https.
    this.secure = config.http.publicBaseUrl.startsWith('https:');
    this.oidcLabel = config.oidc?.label;
  }

  session(request: FastifyRequest): Promise<LiveSession | undefined> {
    return this.sessions.find(request.cookies[SESSION_COOKIE]);
  }

  language(request: FastifyRequest, session?: LiveSession): Lang {
    return pickLanguage(
      request.cookies[LANGUAGE_COOKIE] ?? session?.account.language,
      request.headers['accept-language'],
    );
  }

  context(request: FastifyRequest, session?: LiveSession, csrf?: string): PageContext {
    const lang = this.language(request, session);
    return {
      lang,
      t: messagesFor(lang),
      path: localPath(request.url),
      user: session
        ? {
            displayName: session.account.displayName,
            kind: session.account.kind,
            roles: session.account.roles,
          }
        : undefined,
      csrf: csrf ?? session?.csrfToken,
      oidcLabel: this.oidcLabel,
    };
  }

  /** A POST of this session carries its CSRF token, or it is refused. */
  csrfValid(session: LiveSession, body: unknown): boolean {
    return sameSecret(field(body, '_csrf'), session.csrfToken);
  }

  /** The login form's token: double-submitted, as a SameSite=Strict cookie and a form field. */
  loginCsrf(request: FastifyRequest, reply: FastifyReply): string {
    const existing = request.cookies[LOGIN_CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
    const token = randomBytes(32).toString('base64url');
    void reply.setCookie(LOGIN_CSRF_COOKIE, token, this.cookieOptions(3600));
    return token;
  }

  loginCsrfValid(request: FastifyRequest, body: unknown): boolean {
    const cookie = request.cookies[LOGIN_CSRF_COOKIE];
    return cookie !== undefined && sameSecret(field(body, '_csrf'), cookie);
  }

  startSession(reply: FastifyReply, token: string): void {
    void reply.setCookie(SESSION_COOKIE, token, this.cookieOptions(DEFAULT_SESSION_POLICY.maxMs / 1000));
    void reply.clearCookie(LOGIN_CSRF_COOKIE, { path: '/' });
  }

  endSession(reply: FastifyReply): void {
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
  }

  /**
   * What an OpenID Connect login keeps until the provider sends the browser back: SameSite=Lax,
   * since that return is a top-level navigation from another site; only for /login/oidc.
   */
  setOidcPending(reply: FastifyReply, value: string): void {
    void reply.setCookie(OIDC_COOKIE, value, {
      ...this.cookieOptions(600),
      sameSite: 'lax',
      path: '/login/oidc',
    });
  }

  clearOidcPending(reply: FastifyReply): void {
    void reply.clearCookie(OIDC_COOKIE, { path: '/login/oidc' });
  }

  setLanguage(reply: FastifyReply, lang: Lang): void {
    void reply.setCookie(LANGUAGE_COOKIE, lang, this.cookieOptions(365 * 24 * 3600));
  }

  /**
   * The session of a user this page is for, or undefined once the answer is sent: no session →
   * the login page (saying it ended when a cookie named one); not for this user → 403; a POST
   * without the session's CSRF token → 403.
   */
  async require(
    request: FastifyRequest,
    reply: FastifyReply,
    allowed: (session: LiveSession) => boolean,
    body?: unknown,
  ): Promise<LiveSession | undefined> {
    const session = await this.session(request);
    if (!session) {
      const query = [
        request.cookies[SESSION_COOKIE] ? 'problem=expired' : undefined,
        request.method === 'GET' ? `next=${encodeURIComponent(request.url)}` : undefined,
      ].filter(Boolean);
      this.redirect(reply, `/login${query.length > 0 ? `?${query.join('&')}` : ''}`);
      return undefined;
    }
    if (!allowed(session)) {
      this.forbidden(request, reply, session);
      return undefined;
    }
    if (request.method === 'POST' && !this.csrfValid(session, body)) {
      this.send(reply, ErrorPage({ page: this.context(request, session), kind: 'csrf' }), 403);
      return undefined;
    }
    return session;
  }

  /** 403: this account may not open this page. */
  forbidden(request: FastifyRequest, reply: FastifyReply, session: LiveSession): void {
    this.send(reply, ErrorPage({ page: this.context(request, session), kind: 'forbidden' }), 403);
  }

  send(reply: FastifyReply, html: Html, status = 200): void {
    void reply.status(status).headers(PAGE_HEADERS).send(html.value);
  }

  /** 303: after a POST the browser GETs the next page. */
  redirect(reply: FastifyReply, location: string): void {
    void reply.status(303).header('location', location).header('cache-control', 'no-store').send();
  }

  private cookieOptions(maxAgeSeconds: number) {
    return {
      path: '/',
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: this.secure,
      maxAge: Math.floor(maxAgeSeconds),
    };
  }
}
