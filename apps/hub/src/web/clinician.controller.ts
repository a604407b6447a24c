import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Bundle } from 'fhir/r4';
import type { LiveSession } from '@passerelle/accounts';
import { isOperationOutcomeError, type QueryParams } from '@passerelle/fhir';
import { readSummary } from '@passerelle/letters';
import { Mailroom } from '@passerelle/mailroom';
import {
  BreakGlassChoicePage,
  ClinicianSearchPage,
  ErrorPage,
  PAGE_PURPOSES,
  type PageContext,
  type PagePurpose,
  type SearchForm,
  SummaryPage,
} from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirApiService } from '../fhir/fhir-api.service';
import { SUMMARY_PDF_RENDERER, type SummaryPdfRenderer } from '../summary/summary-pdf';
import { SummaryService } from '../summary/summary.service';
import { type ClinicianAct, ClinicianAccess, type HowOpened } from './clinician-access';
import { contributingAgencies, patientHits } from './clinician-views';
import { WebExceptionFilter } from './web-exception.filter';
import { field, WebPages } from './web-pages';

const MAX_TEXT = 100;
const MAX_REASON = 500;
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

const purposeOf = (value: unknown): PagePurpose =>
  typeof value === 'string' && (PAGE_PURPOSES as readonly string[]).includes(value)
    ? (value as PagePurpose)
    : 'TREAT';
const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value.trim() ? value.trim().slice(0, MAX_TEXT) : undefined;

/** Not found and gone (a hidden patient is "not found") are the page's "no such patient". */
const missing = (e: unknown): boolean => isOperationOutcomeError(e) && (e.status === 404 || e.status === 410);

/**
 * The clinician's page: find a patient their agency cares for, read the summary, download its
 * PDF, or open it by break-glass. Every read goes through the agency's consent scope, so what
 * the page shows is what the FHIR API would answer the agency, audited the same way.
 */
@ApiExcludeController()
@UseFilters(WebExceptionFilter)
@Controller('clinician')
export class ClinicianController {
  constructor(
    private readonly pages: WebPages,
    private readonly clinicians: ClinicianAccess,
    private readonly fhir: FhirApiService,
    private readonly summaries: SummaryService,
    @Inject(SUMMARY_PDF_RENDERER) private readonly pdf: SummaryPdfRenderer,
    private readonly mailroom: Mailroom,
  ) {}

  @Get()
  async start(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const session = await this.clinician(request, reply);
    if (!session) return;
    const acting = await this.clinicians.acting(session);
    if (!acting) return this.forbidden(request, reply, session);
    this.pages.send(
      reply,
      ClinicianSearchPage({
        page: this.pages.context(request, session),
        acting,
        form: { purpose: 'TREAT' },
        breakGlassAllowed: this.clinicians.breakGlassAllowed,
      }),
    );
  }

  @Get('search')
  async search(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query() query: QueryParams,
  ): Promise<void> {
    const session = await this.clinician(request, reply);
    if (!session) return;
    const form: SearchForm = {
      identifier: text(query.identifier),
      family: text(query.family),
      birthdate: text(query.birthdate),
      purpose: purposeOf(query.purpose),
    };
    const act = await this.clinicians.act(session, { purpose: form.purpose });
    if (!act) return this.forbidden(request, reply, session);
    const page = this.pages.context(request, session);
    const params = this.criteria(form, page);
    if (typeof params === 'string') return this.searchPage(reply, page, act, form, { problem: params }, 400);
    const bundle = await this.fhir.search(act.scope, 'Patient', params, true);
    this.searchPage(reply, page, act, form, { results: patientHits(bundle) });
  }

  @Get('patients/:id')
  async patient(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('purpose') purpose: unknown,
  ): Promise<void> {
    const session = await this.clinician(request, reply);
    if (session) await this.showSummary(request, reply, session, id, { purpose: purposeOf(purpose) });
  }

  @Get('patients/:id/summary.pdf')
  async pdfDownload(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Query('purpose') purpose: unknown,
  ): Promise<void> {
    const session = await this.clinician(request, reply);
    if (session) await this.sendPdf(request, reply, session, id, { purpose: purposeOf(purpose) });
  }

  /** The break-glass PDF: a POST, so the reason travels in a body with the session's CSRF token. */
  @Post('patients/:id/summary.pdf')
  @HttpCode(200)
  async pdfBreakGlass(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.clinician(request, reply, body);
    if (!session) return;
    const reason = field(body, 'reason')?.trim().slice(0, MAX_REASON);
    if (!reason || !this.clinicians.breakGlassAllowed) return this.forbidden(request, reply, session);
    await this.sendPdf(request, reply, session, id, { breakGlassReason: reason });
  }

  /**
   * A printed copy of the summary posted to the patient: only for a patient the agency may see
   * (the read is audited), recorded as the `summary-by-post` operation. One letter per clinician,
   * patient and day: a second click asks for nothing more.
   */
  @Post('patients/:id/printed-copy')
  @HttpCode(200)
  async printedCopy(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.clinician(request, reply, body);
    if (!session) return;
    const purpose = purposeOf(field(body, 'purpose'));
    const act = await this.clinicians.act(session, { purpose });
    if (!act) return this.forbidden(request, reply, session);
    const patientId = id.slice(0, 64);
    try {
      await act.scope.read('Patient', patientId);
    } catch (e) {
      if (!missing(e)) throw e;
      const page = this.pages.context(request, session);
      return this.searchPage(reply, page, act, { purpose }, { problem: page.t.summary.notFound }, 404);
    }
    const day = new Date().toISOString().slice(0, 10);
    const letter = await this.mailroom.requestSummary(patientId, `page:${session.account.id}:${day}`);
    await act.scope.recordOperation('summary-by-post', patientId, 'success');
    await this.showSummary(
      request,
      reply,
      session,
      patientId,
      { purpose },
      {
        reference: letter.reference,
        status: letter.status,
      },
    );
  }

  /**
   * Break-glass: a reason, the clinician's confirmation that the patient will be told, then a
   * search by national identifier (or the record chosen among its results) read as ETREAT.
   */
  @Post('break-glass')
  @HttpCode(200)
  async breakGlass(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<void> {
    const session = await this.clinician(request, reply, body);
    if (!session) return;
    const page = this.pages.context(request, session);
    const reason = field(body, 'reason')?.trim().slice(0, MAX_REASON);
    const identifier = text(field(body, 'identifier'));
    const patient = text(field(body, 'patient'));
    const act = await this.clinicians.act(session, { breakGlassReason: reason ?? '' });
    if (!act) return this.forbidden(request, reply, session);
    const form: SearchForm = { identifier, purpose: 'TREAT' };
    if (!this.clinicians.breakGlassAllowed)
      return this.searchPage(reply, page, act, form, { problem: page.t.clinician.breakGlassForbidden }, 403);
    if (!reason || field(body, 'confirm') !== 'yes' || (!identifier && !patient))
      return this.searchPage(reply, page, act, form, { problem: page.t.clinician.breakGlassNeeds }, 400);
    if (patient) return this.showSummary(request, reply, session, patient, { breakGlassReason: reason });
    const hits = patientHits(await this.fhir.search(act.scope, 'Patient', { identifier }, true));
    if (hits.length === 1)
      return this.showSummary(request, reply, session, hits[0].id, { breakGlassReason: reason });
    if (hits.length === 0) return this.searchPage(reply, page, act, form, { results: [] });
    this.pages.send(reply, BreakGlassChoicePage({ page, acting: act.acting, reason, results: hits }));
  }

  private async showSummary(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    patientId: string,
    how: HowOpened,
    printedCopy?: { reference: string; status: string },
  ): Promise<void> {
    const act = await this.clinicians.act(session, how);
    if (!act) return this.forbidden(request, reply, session);
    const page = this.pages.context(request, session);
    const document = await this.document(act, patientId);
    if (!document) {
      const form: SearchForm = { purpose: 'purpose' in how ? purposeOf(how.purpose) : 'TREAT' };
      return this.searchPage(reply, page, act, form, { problem: page.t.summary.notFound }, 404);
    }
    const view = readSummary(document, page.lang === 'fr' ? 'fr-FR' : 'en-GB');
    this.pages.send(
      reply,
      SummaryPage({
        page,
        acting: act.acting,
        patientId,
        view,
        agencies: contributingAgencies(document),
        access: 'purpose' in how ? { purpose: how.purpose } : { breakGlassReason: how.breakGlassReason },
        printedCopy,
      }),
    );
  }

  private async sendPdf(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    patientId: string,
    how: HowOpened,
  ): Promise<void> {
    const act = await this.clinicians.act(session, how);
    if (!act) return this.forbidden(request, reply, session);
    const document = await this.document(act, patientId);
    if (!document) {
      const page = this.pages.context(request, session);
      return this.searchPage(
        reply,
        page,
        act,
        { purpose: 'TREAT' },
        { problem: page.t.summary.notFound },
        404,
      );
    }
    const pdf = await this.pdf(document, { language: this.pages.language(request, session) });
    void reply
      .status(200)
      .header('content-type', 'application/pdf')
      .header('content-disposition', 'attachment; filename="patient-summary.pdf"')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(Buffer.from(pdf));
  }

  /** The summary document, or undefined when the patient is unknown or hidden from the agency. */
  private async document(act: ClinicianAct, patientId: string): Promise<Bundle | undefined> {
    try {
      return await this.summaries.summary(act.scope, act.access, patientId.slice(0, 64));
    } catch (e) {
      if (missing(e)) return undefined;
      throw e;
    }
  }

  /** Search parameters from the form, or what is wrong with it. */
  private criteria(form: SearchForm, page: PageContext): QueryParams | string {
    if (form.identifier) return { identifier: form.identifier };
    if (form.family && form.birthdate) {
      if (!ISO_DATE.test(form.birthdate)) return page.t.clinician.badBirthdate;
      return { family: form.family, birthdate: form.birthdate };
    }
    return page.t.clinician.needCriteria;
  }

  private searchPage(
    reply: FastifyReply,
    page: PageContext,
    act: ClinicianAct,
    form: SearchForm,
    shown: { problem?: string; results?: ReturnType<typeof patientHits> },
    status = 200,
  ): void {
    this.pages.send(
      reply,
      ClinicianSearchPage({
        page,
        acting: act.acting,
        form,
        ...shown,
        breakGlassAllowed: this.clinicians.breakGlassAllowed,
      }),
      status,
    );
  }

  /** The session of a clinician (see WebPages.require). */
  private clinician(
    request: FastifyRequest,
    reply: FastifyReply,
    body?: unknown,
  ): Promise<LiveSession | undefined> {
    return this.pages.require(request, reply, (s) => s.account.kind === 'clinician', body);
  }

  private forbidden(request: FastifyRequest, reply: FastifyReply, session: LiveSession): void {
    this.pages.send(reply, ErrorPage({ page: this.pages.context(request, session), kind: 'forbidden' }), 403);
  }
}
