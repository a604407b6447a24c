import { randomUUID } from 'node:crypto';
import { Body, Get, HttpCode, Logger, Param, Post, Req, Res } from '@nestjs/common';
import type { LiveSession } from '@passerelle/accounts';
import { type AuditInput, AuditWriter } from '@passerelle/audit';
import type { AddressInput } from '@passerelle/letters';
import { addressInput, type LetterView, Mailroom } from '@passerelle/mailroom';
import { HUB_AGENCY } from '@passerelle/store';
import {
  ADDRESS_FORM_LINES,
  checkAnswer,
  ErrorPage,
  LetterPage,
  type LetterPageProps,
} from '@passerelle/web';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { mailroomRefusal, orRefuse } from './page-refusals';
import { PageController, PageSession } from './page-access';
import { field, WebPages } from './web-pages';

const CLIENT_ID = 'mailroom-page';

/** The address form's fields as the mailroom's checks take them. */
function typedAddress(body: unknown): AddressInput {
  return addressInput({
    recipient: field(body, 'recipient'),
    lines: Array.from({ length: ADDRESS_FORM_LINES }, (_, i) => field(body, `line${i + 1}`) ?? ''),
    postalCode: field(body, 'postalCode'),
    city: field(body, 'city'),
    country: field(body, 'country'),
  });
}

/**
 * One letter in the mailroom (role `mailroom`): its first page as an image, and for a held letter
 * its address with the mailroom's checks, shown again as the operator types (a small script
 * posting to /mailroom/address-check; without it, saving shows them). Seeing the address or the
 * preview is a disclosure of the patient's data to the operator, audited; so is a fix.
 */
@PageController('mailroom', 'mailroom')
export class MailroomLetterController {
  private readonly logger = new Logger('MailroomPage');

  constructor(
    private readonly pages: WebPages,
    private readonly mailroom: Mailroom,
    private readonly audit: AuditWriter,
  ) {}

  @Get('letters/:id')
  async show(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('id') id: string,
  ): Promise<void> {
    await this.refusable(request, reply, session, async () => {
      const shown = await this.mailroom.letterAddress(id);
      await this.audit.record([this.disclosure('letter-address', session, shown.letter, request.id)]);
      this.render(request, reply, session, {
        letter: shown.letter,
        address: shown.input,
        check: shown.check,
        fixed: shown.fixed,
      });
    });
  }

  @Post('letters/:id/address')
  @HttpCode(200)
  async fix(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<void> {
    const typed = typedAddress(body);
    await this.refusable(request, reply, session, async () => {
      const result = await this.mailroom.fixAddress(
        id,
        typed,
        `account:${session.account.username}`,
        async (db, letter) => {
          await this.audit.recordIn(db, [
            { ...this.disclosure('letter-address-fix', session, letter, request.id), action: 'U' },
          ]);
        },
      );
      if (!result.letter) {
        // Refused by the checks: the form again, with what was typed and why.
        const letter = await this.mailroom.letter(id);
        return this.render(request, reply, session, { letter, address: typed, check: result.check }, 400);
      }
      this.logger.log(`letter ${id}: address fixed and released by account ${session.account.id}`);
      this.pages.redirect(reply, `/mailroom?done=address&ref=${encodeURIComponent(result.letter.reference)}`);
    });
  }

  /** The live check: the mailroom's own address checks on what is typed; nothing is kept or logged. */
  @Post('address-check')
  @HttpCode(200)
  check(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Body() body: unknown,
  ): void {
    const answer = checkAnswer(
      this.pages.context(request, session),
      this.mailroom.checkAddress(typedAddress(body)),
    );
    void reply
      .status(200)
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(answer);
  }

  @Get('letters/:id/preview.png')
  async preview(
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
    @PageSession() session: LiveSession,
    @Param('id') id: string,
  ): Promise<void> {
    await this.refusable(request, reply, session, async () => {
      const { letter, image } = await this.mailroom.preview(id);
      await this.audit.record([this.disclosure('letter-preview', session, letter, request.id)]);
      void reply
        .status(200)
        .header('content-type', 'image/png')
        .header('content-length', String(image.png.length))
        .header('cache-control', 'no-store')
        .header('x-content-type-options', 'nosniff')
        .send(image.png);
    });
  }

  /** A mailroom refusal (no such letter, not held, cannot be printed) is shown with its status. */
  private refusable(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    work: () => Promise<void>,
  ): Promise<void> {
    return orRefuse(work, mailroomRefusal, (detail, status) => {
      const page = this.pages.context(request, session);
      this.pages.send(
        reply,
        status === 404
          ? ErrorPage({ page, kind: 'not-found' })
          : ErrorPage({ page, kind: 'refused', detail }),
        status,
      );
    });
  }

  private render(
    request: FastifyRequest,
    reply: FastifyReply,
    session: LiveSession,
    props: Omit<LetterPageProps, 'page'>,
    status = 200,
  ): void {
    this.pages.send(reply, LetterPage({ page: this.pages.context(request, session), ...props }), status);
  }

  /** The operator saw (or changed) this patient's letter: the audit trail names the account and the letter. */
  private disclosure(
    operation: string,
    session: LiveSession,
    letter: LetterView,
    requestId: string,
  ): AuditInput {
    return {
      interaction: 'operation',
      operation,
      outcome: 'success',
      agency: HUB_AGENCY,
      clientId: CLIENT_ID,
      practitioner: `account:${session.account.username}`,
      patientId: letter.patientId,
      resourceType: 'Patient',
      requestId: requestId || randomUUID(),
      details: [
        { type: 'letter', value: letter.id },
        { type: 'letter-kind', value: letter.kind },
      ],
    };
  }
}
