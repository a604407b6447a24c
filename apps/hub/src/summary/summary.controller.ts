import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import type { Bundle } from 'fhir/r4';
import {
  badRequest,
  isSupportedType,
  notFound,
  OperationOutcomeError,
  outcome,
  type QueryParams,
  queryString,
} from '@passerelle/fhir';
import type { ConsentScopedRepository } from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import type { FastifyReply } from 'fastify';
import { Interaction } from '../auth/interaction.decorator';
import { CurrentAccess } from '../fhir/actor.decorator';
import { Scope } from '../fhir/scope.decorator';
import { summaryFormat, summaryLanguage } from './negotiate';
import { SUMMARY_PDF_RENDERER, type SummaryPdfRenderer } from './summary-pdf';
import { SummaryService } from './summary.service';

/** Query parameters echoed into the audit record (what was asked, never what was answered). */
function echo(query: QueryParams): string {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(query)) {
    for (const v of ([] as string[]).concat(value ?? [])) pairs.push([name, v]);
  }
  return queryString(pairs);
}

/**
 * GET|POST /fhir/Patient/{id}/$summary: an IPS-style document Bundle of what the caller may see,
 * or its PDF rendering with `Accept: application/pdf`. Needs read on Patient, like $everything.
 */
@Controller('fhir')
export class SummaryController {
  constructor(
    private readonly summaries: SummaryService,
    @Inject(SUMMARY_PDF_RENDERER) private readonly pdf: SummaryPdfRenderer | null,
  ) {}

  @Get(':type/:id/$summary')
  @Interaction({ permission: 'r', discloses: true })
  get(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Param('id') id: string,
    @Query() query: QueryParams,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('accept') accept?: string,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<Bundle | Buffer> {
    return this.answer(scope, access, type, id, echo(query), reply, accept, acceptLanguage);
  }

  @Post(':type/:id/$summary')
  @HttpCode(200)
  @Interaction({ permission: 'r', discloses: true })
  post(
    @Scope() scope: ConsentScopedRepository,
    @CurrentAccess() access: AccessContext,
    @Param('type') type: string,
    @Param('id') id: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('accept') accept?: string,
    @Headers('accept-language') acceptLanguage?: string,
  ): Promise<Bundle | Buffer> {
    // The operation takes no parameters the hub acts on; a body, when sent, must be Parameters.
    if (
      body !== undefined &&
      body !== null &&
      (body as { resourceType?: unknown }).resourceType !== 'Parameters'
    )
      throw badRequest('Patient/$summary takes a Parameters resource', ['Parameters']);
    return this.answer(scope, access, type, id, undefined, reply, accept, acceptLanguage);
  }

  private async answer(
    scope: ConsentScopedRepository,
    access: AccessContext,
    type: string,
    id: string,
    query: string | undefined,
    reply: FastifyReply,
    accept: string | undefined,
    acceptLanguage: string | undefined,
  ): Promise<Bundle | Buffer> {
    if (!isSupportedType(type) || type !== 'Patient') throw notFound('Unknown operation');
    const format = summaryFormat(accept);
    // Refused before anything is read: a request that cannot be answered discloses nothing.
    if (format === 'pdf' && !this.pdf) {
      throw new OperationOutcomeError(
        406,
        outcome('error', 'not-supported', 'A PDF summary is not available: ask for application/fhir+json'),
      );
    }
    const document = await this.summaries.summary(scope, access, id, query);
    if (format === 'fhir' || !this.pdf) return document;
    const pdf = await this.pdf(document, { language: summaryLanguage(acceptLanguage) });
    reply.header('content-type', 'application/pdf');
    reply.header('content-disposition', 'inline; filename="patient-summary.pdf"');
    return Buffer.from(pdf);
  }
}
