import { randomUUID } from 'node:crypto';
import { Body, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import type { Patient } from 'fhir/r4';
import type { LiveSession } from '@passerelle/accounts';
import { AuditWriter } from '@passerelle/audit';
import {
  AgencyService,
  type CandidateView,
  type LinkChange,
  PatientIndex,
  type PersonView,
} from '@passerelle/identity';
import { type Db, FhirRepository, HUB_AGENCY, parseStored } from '@passerelle/store';
import { patientName } from '@passerelle/summary';
import {
  CONFIRM_REASONS,
  type IdentityDone,
  IdentityReviewPage,
  type IdentityPageProps,
  REJECT_REASONS,
  type ReviewCandidate,
  type ReviewRecord,
} from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { auditLinkChanges } from '../admin/mpi-audit';
import { PageController, PageSession } from './page-access';
import { orRefuse, outcomeRefusal, queryChoice } from './page-refusals';
import { field, WebPages } from './web-pages';

const CLIENT_ID = 'identity-review-page';
const DONE: readonly IdentityDone[] = ['confirm', 'reject', 'undo'];

/** The operator as the audit trail names them: their account, never a free-text name. */
const operatorOf = (session: LiveSession): string => `account:${session.account.username}`;

/** The records a decision moved from one person to another (a rejection moves none). */
const movedBy = (changes: LinkChange[]): string[] =>
  changes.filter((c) => c.fromPerson !== c.toPerson).map((c) => c.patientId);

/**
 * Identity review, for operators with the `identity-review` role: the patient index's candidate
 * links with both records' demographics side by side and the rules that agreed; confirm or
 * reject with a reason code; undo a confirmation. Showing the records is a disclosure to the
 * hub's operator and is audited (`mpi-review`); each decision is audited in its transaction, as
 * through the admin API.
 */
@PageController('identity', 'identity-review')
export class IdentityPageController {
  constructor(
    private readonly pages: WebPages,
    private readonly mpi: PatientIndex,
    private readonly repo: FhirRepository,
    private readonly audit: AuditWriter,
    private readonly agencies: AgencyService,
  ) {}

  @Get()
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Query('done') done: unknown,
    @Query('moved') moved: unknown,
  ): Promise<void> {
    const movedIds = typeof moved === 'string' && moved ? moved.split(',').slice(0, 50) : [];
    const shown = queryChoice(done, DONE);
    const notice = shown ? { done: shown, moved: movedIds } : undefined;
    await this.render(request, reply, session, notice, notice?.done === 'confirm' ? movedIds : undefined);
  }

  @Post('candidates/:id/:decision')
  @HttpCode(200)
  async decide(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('id') id: string,
    @Param('decision') decision: string,
    @Body() body: unknown,
  ): Promise<void> {
    const reason = field(body, 'reason');
    const allowed: readonly string[] = decision === 'confirm' ? CONFIRM_REASONS : REJECT_REASONS;
    if ((decision !== 'confirm' && decision !== 'reject') || !reason || !allowed.includes(reason))
      return this.render(
        request,
        reply,
        session,
        { problem: 'Choose a decision and one of its reasons' },
        undefined,
        400,
      );
    await this.attempt(request, reply, session, decision, reason, (db, operator) =>
      decision === 'confirm' ? this.mpi.confirm(id, operator, db) : this.mpi.reject(id, operator, db),
    );
  }

  /** Undo a confirmation: each record it moved goes back to a person of its own. */
  @Post('undo')
  @HttpCode(200)
  async undo(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Body() body: unknown,
  ): Promise<void> {
    const raw = (body as Record<string, unknown> | null)?.patient;
    const patients = (typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : [])
      .filter((p): p is string => typeof p === 'string')
      .slice(0, 50);
    if (patients.length === 0)
      return this.render(request, reply, session, { problem: 'Nothing to undo' }, undefined, 400);
    await this.attempt(request, reply, session, 'undo', 'undo', async (db, operator) => {
      const changes: LinkChange[] = [];
      for (const id of patients) changes.push(...(await this.mpi.unlink(id, operator, db)));
      return changes;
    });
  }

  private async attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    done: IdentityDone,
    reason: string,
    change: (db: Db, operator: string) => Promise<LinkChange[]>,
  ): Promise<void> {
    await orRefuse(
      async () => {
        // The change and its audit records commit together, or neither does.
        const changes = await this.repo.transaction(async (db) => {
          const made = await change(db, operatorOf(session));
          await auditLinkChanges(this.audit, db, made, request.id, { clientId: CLIENT_ID, reason });
          return made;
        });
        this.pages.redirect(
          reply,
          `/identity?done=${done}&moved=${movedBy(changes).map(encodeURIComponent).join(',')}`,
        );
      },
      outcomeRefusal,
      (problem, status) => this.render(request, reply, session, { problem }, undefined, status),
    );
  }

  private async render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    notice: IdentityPageProps['notice'],
    undo: string[] | undefined,
    status = 200,
  ): Promise<void> {
    const views = await this.mpi.listCandidates({ count: 20 });
    const names = new Map<string, string>();
    for (const id of new Set(views.flatMap((v) => [v.patientAgency, v.matchedAgency])))
      names.set(id, (await this.agencies.find(id))?.name ?? id);
    const candidates = await Promise.all(views.map((v) => this.candidate(v, names)));
    // Shown to an operator: every record on the page is a disclosure, recorded before it is sent.
    const shown = [
      ...new Set(
        candidates
          .flatMap((c) => [c.left, c.right])
          .filter((r) => r.available)
          .map((r) => r.patientId),
      ),
    ];
    if (shown.length > 0) {
      const requestId = randomUUID();
      await this.audit.record(
        shown.map((patientId) => ({
          interaction: 'operation' as const,
          operation: 'mpi-review',
          outcome: 'success' as const,
          agency: HUB_AGENCY,
          clientId: CLIENT_ID,
          practitioner: operatorOf(session),
          patientId,
          resourceType: 'Patient',
          requestId,
        })),
      );
    }
    this.pages.send(
      reply,
      IdentityReviewPage({ page: this.pages.context(request, session), candidates, notice, undo }),
      status,
    );
  }

  private async candidate(view: CandidateView, names: Map<string, string>): Promise<ReviewCandidate> {
    const members = (person: PersonView) =>
      person.patients.filter((p) => p.active).map((p) => `${p.agency}: ${p.patientId}`);
    return {
      id: view.id,
      rule: view.rule,
      agreeing: view.evidence.rules,
      createdAt: view.createdAt,
      left: await this.record(view.patientId, names.get(view.patientAgency) ?? view.patientAgency),
      right: await this.record(view.matchedPatientId, names.get(view.matchedAgency) ?? view.matchedAgency),
      leftMembers: members(view.patientPerson),
      rightMembers: members(view.matchedPerson),
    };
  }

  private async record(patientId: string, agency: string): Promise<ReviewRecord> {
    const stored = await this.repo.internal.current('Patient', patientId);
    if (!stored || stored.deleted) return { patientId, agency, identifiers: [], available: false };
    const patient = parseStored<Patient>(stored);
    const address = patient.address?.[0];
    return {
      patientId,
      agency,
      name: patientName(patient),
      birthDate: patient.birthDate,
      gender: patient.gender,
      identifiers: (patient.identifier ?? []).map((i) => i.value).filter((v): v is string => Boolean(v)),
      address: address
        ? [...(address.line ?? []), address.postalCode, address.city].filter(Boolean).join(', ')
        : undefined,
      available: true,
    };
  }
}
