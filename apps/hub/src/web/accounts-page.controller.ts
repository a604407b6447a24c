import { Body, Get, HttpCode, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  type Account,
  AccountError,
  AccountService,
  generatePassword,
  isOperatorRole,
  type LiveSession,
  OPERATOR_ROLES,
  SessionStore,
} from '@passerelle/accounts';
import { AgencyService } from '@passerelle/identity';
import { AccountsPage, type AccountsPageProps } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PageController, PageSession } from './page-access';
import { accountRefusal, orRefuse, queryText } from './page-refusals';
import { field, WebPages } from './web-pages';

const ACTIONS = ['disable', 'enable', 'unlock', 'password'] as const;

function stateOf(a: Account): 'active' | 'locked' | 'disabled' {
  if (a.disabled) return 'disabled';
  return a.lockedUntil && a.lockedUntil > new Date() ? 'locked' : 'active';
}

/**
 * Account management on a page, for the `admin` role: what `npm run cli -- account` and
 * /admin/accounts do. A password is generated and shown once, on the answer to the post that
 * made it (never in a URL); disabling or a new password ends the account's sessions.
 */
@PageController('operator/accounts', 'admin')
export class AccountsPageController {
  private readonly logger = new Logger('AccountsPage');

  constructor(
    private readonly pages: WebPages,
    private readonly accounts: AccountService,
    private readonly sessions: SessionStore,
    private readonly agencies: AgencyService,
  ) {}

  @Get()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Query('done') done: unknown,
  ): Promise<void> {
    const shown = queryText(done);
    await this.render(request, reply, session, { notice: shown ? { done: shown } : undefined });
  }

  @Post()
  @HttpCode(200)
  async create(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Body() body: unknown,
  ): Promise<void> {
    const raw = (body as Record<string, unknown> | null)?.roles;
    const roles = (typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : []).filter(
      (r): r is (typeof OPERATOR_ROLES)[number] => typeof r === 'string' && isOperatorRole(r),
    );
    const password = generatePassword();
    const common = {
      username: field(body, 'username') ?? '',
      displayName: field(body, 'displayName') ?? '',
      password,
    };
    await orRefuse(
      async () => {
        const account =
          field(body, 'kind') === 'operator'
            ? await this.accounts.create({ ...common, kind: 'operator', roles })
            : await this.accounts.create({
                ...common,
                kind: 'clinician',
                agency: field(body, 'agency') ?? '',
                practitioner: field(body, 'practitioner') ?? '',
              });
        this.logger.log(`account ${account.id} created by account ${session.account.id}`);
        await this.render(request, reply, session, { password: { username: account.username, password } });
      },
      accountRefusal,
      this.refuse(request, reply, session),
    );
  }

  @Post(':username/:action')
  @HttpCode(200)
  async act(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('username') username: string,
    @Param('action') action: string,
  ): Promise<void> {
    const act = ACTIONS.find((a) => a === action);
    await orRefuse(
      async () => {
        if (!act) throw new AccountError('not-found', 'Unknown action');
        let account: Account;
        let password: string | undefined;
        switch (act) {
          case 'disable':
          case 'enable':
            account = await this.accounts.setDisabled(username, act === 'disable');
            if (act === 'disable') await this.sessions.closeAll(account.id);
            break;
          case 'unlock':
            account = await this.accounts.unlock(username);
            break;
          case 'password':
            password = generatePassword();
            account = await this.accounts.setPassword(username, password);
            await this.sessions.closeAll(account.id);
            break;
        }
        this.logger.log(`account ${account.id}: ${act} by account ${session.account.id}`);
        if (password)
          return this.render(request, reply, session, { password: { username: account.username, password } });
        this.pages.redirect(
          reply,
          `/operator/accounts?done=${encodeURIComponent(`${act} ${account.username}`)}`,
        );
      },
      accountRefusal,
      this.refuse(request, reply, session),
    );
  }

  /** A refusal: the page again, saying why. */
  private refuse(request: FastifyRequest, reply: FastifyReply, session: LiveSession) {
    return (problem: string, status: number) =>
      this.render(request, reply, session, { notice: { problem } }, status);
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    extra: Pick<AccountsPageProps, 'notice' | 'password'>,
    status = 200,
  ): Promise<void> {
    const [accounts, agencies] = await Promise.all([this.accounts.list(), this.agencies.list()]);
    this.pages.send(
      reply,
      AccountsPage({
        page: this.pages.context(request, session),
        accounts: accounts.map((a) => ({ ...a, state: stateOf(a) })),
        agencies: agencies.map((a) => ({ id: a.id, name: a.name })),
        roles: OPERATOR_ROLES,
        ...extra,
      }),
      status,
    );
  }
}
