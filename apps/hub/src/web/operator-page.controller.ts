import { Get, HttpCode, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { LiveSession } from '@passerelle/accounts';
import { lastVerification, recordVerification, verifyAuditTrail } from '@passerelle/audit';
import { AgencyService, TokenUse } from '@passerelle/identity';
import { isQueueName, Outbox, QUEUE_DRIVER, QUEUE_NAMES, type QueueDriver } from '@passerelle/sync';
import { type AgencyRow, OperatorPage, type OperatorPageProps } from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AUDIT_CHECKPOINT_SOURCE, type CheckpointSourceProvider } from '../audit/checkpoint-keys';
import { PageController, PageSession } from './page-access';
import { queryText } from './page-refusals';
import { WebPages } from './web-pages';

type Stamp = Date | string | null;
const date = (v: Stamp | undefined): Date | undefined =>
  v === null || v === undefined ? undefined : new Date(v);

/**
 * The operator's overview, for the `admin` role: agencies with their last data and feed
 * acknowledgement, the sync backlog and feed lag, queues and dead letters (replay), letters, and
 * the audit chain (verified on demand against the signed checkpoints, as GET /admin/audit/verify).
 */
@PageController('operator', 'admin')
export class OperatorPageController {
  private readonly logger = new Logger('OperatorPage');

  constructor(
    private readonly pages: WebPages,
    private readonly dataSource: DataSource,
    private readonly agencies: AgencyService,
    private readonly tokenUse: TokenUse,
    @Inject(QUEUE_DRIVER) private readonly queues: QueueDriver,
    @Inject(AUDIT_CHECKPOINT_SOURCE) private readonly checkpoints: CheckpointSourceProvider,
  ) {}

  @Get()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Query('replayed') replayed: unknown,
  ): Promise<void> {
    const shown = queryText(replayed, 200);
    await this.render(request, reply, session, { notice: shown ? { replayed: shown } : undefined });
  }

  @Post('dead-letters/:queue/:jobId/replay')
  @HttpCode(200)
  async replay(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('queue') queue: string,
    @Param('jobId') jobId: string,
  ): Promise<void> {
    const result = isQueueName(queue) ? await this.queues.replay(queue, jobId) : 'not-found';
    if (result !== 'replayed') {
      const problem =
        result === 'not-found' ? `No job ${jobId} in queue ${queue}` : `Job ${jobId} is not a dead letter`;
      return this.render(
        request,
        reply,
        session,
        { notice: { problem } },
        result === 'not-found' ? 404 : 409,
      );
    }
    this.logger.log(`dead letter ${queue}/${jobId}: replayed by account ${session.account.id}`);
    this.pages.redirect(reply, `/operator?replayed=${encodeURIComponent(`${queue} ${jobId}`)}`);
  }

  @Post('audit/verify')
  @HttpCode(200)
  async verify(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
  ): Promise<void> {
    const result = await verifyAuditTrail(this.dataSource.manager, this.checkpoints(), {});
    await recordVerification(this.dataSource.manager, result, `account:${session.account.username}`);
    this.logger.log(
      `audit chain verified by account ${session.account.id}: ${result.ok ? 'intact' : 'broken'}`,
    );
    await this.render(request, reply, session, {
      verification: {
        ok: result.ok,
        checked: result.checked,
        problems: result.problems.map((p) => `#${p.seq}: ${p.problem}${p.detail ? ` (${p.detail})` : ''}`),
        lastSeq: result.last?.seq,
      },
    });
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    extra: Pick<OperatorPageProps, 'notice' | 'verification'>,
    status = 200,
  ): Promise<void> {
    const db = this.dataSource.manager;
    const [agencies, tokens, pushes, feeds, letters, audit, verified, outboxBacklog, queues, dead] =
      await Promise.all([
        this.agencies.list(),
        this.tokenUse.lastTokens(),
        db.query<{ agency: string; at: Stamp }[]>(
          `SELECT source_agency AS agency, max(last_updated) AS at FROM resource WHERE source_agency IS NOT NULL GROUP BY source_agency`,
        ),
        db.query<{ agency: string; acked: Stamp; pending: string; oldest: Stamp }[]>(
          `SELECT agency_id AS agency, max(acknowledged_at) AS acked,
                count(*) FILTER (WHERE acknowledged_at IS NULL) AS pending,
                min(routed_at) FILTER (WHERE acknowledged_at IS NULL) AS oldest
           FROM sync_feed GROUP BY agency_id`,
        ),
        db.query<{ held: string; pending: string; posted: string }[]>(
          `SELECT count(*) FILTER (WHERE status = 'held') AS held,
                count(*) FILTER (WHERE status = 'pending') AS pending,
                count(*) FILTER (WHERE status IN ('posted', 'returned') AND updated_at > now() - interval '7 days') AS posted
           FROM letter`,
        ),
        // The trail's records: the log (audit_event, its projection, may be a moment behind).
        db.query<{ n: string }[]>(`SELECT count(*) AS n FROM audit_log`),
        lastVerification(db),
        new Outbox().backlog(db),
        Promise.all(QUEUE_NAMES.map(async (name) => ({ name, ...(await this.queues.counts(name)) }))),
        Promise.all(QUEUE_NAMES.map((name) => this.queues.deadLetters(name, { offset: 0, limit: 20 }))),
      ]);
    const push = new Map(pushes.map((p) => [p.agency, date(p.at)]));
    const feed = new Map(feeds.map((f) => [f.agency, f]));
    const rows: AgencyRow[] = agencies.map((a) => ({
      id: a.id,
      name: a.name,
      kind: a.kind,
      status: a.status,
      lastToken: tokens.get(a.id),
      lastPush: push.get(a.id),
      lastFeedRead: date(feed.get(a.id)?.acked),
      feedPending: Number(feed.get(a.id)?.pending ?? 0),
      oldestPending: date(feed.get(a.id)?.oldest),
    }));
    this.pages.send(
      reply,
      OperatorPage({
        page: this.pages.context(request, session),
        agencies: rows,
        outboxBacklog,
        queues: queues.map((q) => ({
          name: q.name,
          waiting: q.waiting,
          active: q.active,
          delayed: q.delayed,
          failed: q.failed,
        })),
        deadLetters: dead
          .flat()
          .sort((a, b) => b.finishedOn - a.finishedOn)
          .slice(0, 20)
          .map((d) => ({
            queue: d.queue,
            id: d.id,
            failedAt: new Date(d.finishedOn),
            attempts: d.attemptsMade,
            reason: d.failedReason.slice(0, 200),
          })),
        letters: {
          held: Number(letters[0]?.held ?? 0),
          pending: Number(letters[0]?.pending ?? 0),
          postedWeek: Number(letters[0]?.posted ?? 0),
        },
        auditEvents: Number(audit[0]?.n ?? 0),
        lastVerification: verified,
        ...extra,
      }),
      status,
    );
  }
}
