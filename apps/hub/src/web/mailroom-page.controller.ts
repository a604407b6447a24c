import { createReadStream } from 'node:fs';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Logger,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { LiveSession } from '@passerelle/accounts';
import { PAPER_FORM_AGENCY_KINDS, PAPER_FORM_CATEGORY_KEYS } from '@passerelle/consent';
import { ConsentForms, Mailroom, MailroomError } from '@passerelle/mailroom';
import { type MailroomDone, MailroomPage, type MailroomPageProps } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { WebExceptionFilter } from './web-exception.filter';
import { field, WebPages } from './web-pages';

const DONE: readonly MailroomDone[] = [
  'release',
  'cancel',
  'returned',
  'run',
  'printed',
  'posted',
  'consent',
];
const LETTER_ACTIONS = ['release', 'cancel', 'returned'] as const;
const RUN_ACTIONS = ['printed', 'posted'] as const;

/** The paper form's ticks, from the page's checkboxes, as the consent-form service takes them. */
function consentFormBody(body: unknown): Record<string, unknown> {
  const all = (name: string): string[] => {
    const value = (body as Record<string, unknown> | null)?.[name];
    return typeof value === 'string'
      ? [value]
      : Array.isArray(value)
        ? value.filter((v) => typeof v === 'string')
        : [];
  };
  const sharing: Record<string, { agree?: boolean; refuse?: boolean }> = {};
  for (const kind of PAPER_FORM_AGENCY_KINDS) {
    const ticks = all(`sharing-${kind}`);
    if (ticks.length > 0)
      sharing[kind] = { agree: ticks.includes('agree'), refuse: ticks.includes('refuse') };
  }
  const sensitive: Record<string, string[]> = {};
  for (const category of PAPER_FORM_CATEGORY_KEYS) {
    const kinds = all(`sensitive-${category}`);
    if (kinds.length > 0) sensitive[category] = kinds;
  }
  const signedOn = field(body, 'signedOn')?.trim();
  return {
    code: field(body, 'code') ?? '',
    sharing,
    sensitive,
    signed: field(body, 'signed') === 'yes',
    ...(signedOn ? { signedOn } : {}),
  };
}

/**
 * The mailroom's page, for operators with the `mailroom` role: the same services as
 * /admin/mailroom (held letters and their reasons, runs, returned mail, paper consent forms).
 * Each action is a form post, then a redirect to the page saying what it did (post/redirect/get).
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@Controller('mailroom')
export class MailroomPageController {
  private readonly logger = new Logger('MailroomPage');

  constructor(
    private readonly pages: WebPages,
    private readonly mailroom: Mailroom,
    private readonly consentForms: ConsentForms,
  ) {}

  @Get()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query('done') done: unknown,
    @Query('ref') ref: unknown,
  ): Promise<void> {
    const session = await this.operator(request, reply);
    if (!session) return;
    const notice =
      typeof done === 'string' && (DONE as readonly string[]).includes(done) && typeof ref === 'string'
        ? { done: done as MailroomDone, reference: ref.slice(0, 100) }
        : undefined;
    await this.render(request, reply, session, notice);
  }

  @Post('letters/:id/:action')
  @HttpCode(200)
  async letter(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.operator(request, reply, body);
    if (!session) return;
    const act = LETTER_ACTIONS.find((a) => a === action);
    if (!act) return this.render(request, reply, session, { problem: 'Unknown action' }, 404);
    await this.attempt(request, reply, session, async () => {
      let reference: string;
      if (act === 'returned') {
        // What it triggered: the agencies told that the address failed.
        const returned = await this.mailroom.markReturned(id);
        reference = [returned.letter.reference, ...returned.agenciesTold].join(' · ');
      } else {
        reference = (await this.mailroom[act](id)).reference;
      }
      this.logger.log(`letter ${id}: ${act} by account ${session.account.id}`);
      return { done: act, reference };
    });
  }

  @Post('runs')
  @HttpCode(200)
  async createRun(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.operator(request, reply, body);
    if (!session) return;
    await this.attempt(request, reply, session, async () => {
      const run = await this.mailroom.createRun();
      if (!run)
        throw new MailroomError('conflict', this.pages.context(request, session).t.mailroom.noRunCreated);
      this.logger.log(`run ${run.id}: created by account ${session.account.id}`);
      return { done: 'run', reference: run.id.slice(0, 8) };
    });
  }

  @Post('runs/:id/:action')
  @HttpCode(200)
  async runAction(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.operator(request, reply, body);
    if (!session) return;
    const act = RUN_ACTIONS.find((a) => a === action);
    if (!act) return this.render(request, reply, session, { problem: 'Unknown action' }, 404);
    await this.attempt(request, reply, session, async () => {
      const run =
        act === 'printed' ? await this.mailroom.markPrinted(id) : await this.mailroom.markPosted(id);
      this.logger.log(`run ${run.id}: ${act} by account ${session.account.id}`);
      return { done: act, reference: run.id.slice(0, 8) };
    });
  }

  @Get('runs/:id/:file')
  async file(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Param('file') which: string,
  ): Promise<void> {
    const session = await this.operator(request, reply);
    if (!session) return;
    if (which !== 'pdf' && which !== 'manifest')
      return this.render(request, reply, session, { problem: 'Unknown file' }, 404);
    let file;
    try {
      file = await this.mailroom.runFile(id, which);
    } catch (e) {
      if (!(e instanceof MailroomError)) throw e;
      return this.render(request, reply, session, { problem: e.message }, e.code === 'not-found' ? 404 : 409);
    }
    void reply
      .header('content-type', file.contentType)
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .header('content-length', String(file.size))
      .header('cache-control', 'no-store')
      .send(createReadStream(file.path));
  }

  @Post('consent-forms')
  @HttpCode(200)
  async consentForm(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.operator(request, reply, body);
    if (!session) return;
    await this.attempt(request, reply, session, async () => {
      const recorded = await this.consentForms.record(consentFormBody(body));
      this.logger.log(`consent form ${recorded.formId}: recorded by account ${session.account.id}`);
      return { done: 'consent', reference: recorded.consent };
    });
  }

  /** Runs an action; a refusal (not found, conflict, invalid) is shown on the page with its status. */
  private async attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    work: () => Promise<{ done: MailroomDone; reference: string }>,
  ): Promise<void> {
    try {
      const { done, reference } = await work();
      this.pages.redirect(reply, `/mailroom?done=${done}&ref=${encodeURIComponent(reference)}`);
    } catch (e) {
      if (!(e instanceof MailroomError)) throw e;
      const status = e.code === 'not-found' ? 404 : e.code === 'conflict' ? 409 : 400;
      await this.render(request, reply, session, { problem: e.message }, status);
    }
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    notice: MailroomPageProps['notice'],
    status = 200,
  ): Promise<void> {
    const [held, waiting, posted, runs] = await Promise.all([
      this.mailroom.listLetters({ status: 'held', limit: 100 }),
      this.mailroom.listLetters({ status: 'pending', limit: 100 }),
      this.mailroom.listLetters({ status: 'posted', limit: 50 }),
      this.mailroom.listRuns({ limit: 20 }),
    ]);
    const page = this.pages.context(request, session);
    this.pages.send(
      reply,
      MailroomPage({
        page,
        held: held.items,
        waiting: waiting.items,
        posted: posted.items,
        runs: runs.items,
        notice,
        agencyKinds: PAPER_FORM_AGENCY_KINDS,
        categories: PAPER_FORM_CATEGORY_KEYS,
      }),
      status,
    );
  }

  private operator(
    request: FastifyRequest,
    reply: FastifyReply,
    body?: unknown,
  ): Promise<LiveSession | undefined> {
    return this.pages.require(
      request,
      reply,
      (s) => s.account.kind === 'operator' && s.account.roles.includes('mailroom'),
      body,
    );
  }
}
