import { createReadStream } from 'node:fs';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  StreamableFile,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { badRequest, conflict, notFound } from '@passerelle/fhir';
import { LETTER_KINDS, type LetterKind } from '@passerelle/letters';
import {
  ConsentForms,
  LETTER_STATUSES,
  type LetterStatus,
  type LetterView,
  Mailroom,
  MailroomError,
  type Page,
  type RecordedForm,
  type ReturnedLetter,
  RUN_STATUSES,
  type RunStatus,
  type RunView,
} from '@passerelle/mailroom';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { ConsentFormDto, RecordedFormDto, SharingBoxesDto } from './consent-form.dto';
import {
  AccessReportsDto,
  AccessReportsResultDto,
  CreatedRunDto,
  LetterDto,
  LetterPageDto,
  RequestLetterDto,
  ReturnedLetterDto,
  RunDto,
  RunPageDto,
} from './mailroom.dto';

/** The mailroom's domain errors as the API answers them (OperationOutcome, via the global filter). */
async function answer<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (e) {
    if (!(e instanceof MailroomError)) throw e;
    switch (e.code) {
      case 'not-found':
        throw notFound(e.message);
      case 'conflict':
        throw conflict(e.message);
      case 'invalid':
        throw badRequest(e.message);
    }
  }
}

function oneOf<T extends string>(
  value: string | undefined,
  allowed: readonly T[],
  name: string,
): T | undefined {
  if (value === undefined || value === '') return undefined;
  const found = allowed.find((a) => a === value);
  if (!found) throw badRequest(`${name} must be one of ${allowed.join(', ')}`, [name]);
  return found;
}

function limitOf(value: string | undefined): number {
  if (value === undefined || value === '') return 100;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1000)
    throw badRequest('limit must be a whole number from 1 to 1000', ['limit']);
  return n;
}

function instant(value: unknown, name: string): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw badRequest(`${name} must be an ISO 8601 date-time`, [name]);
  return date;
}

/**
 * The mailroom, behind the operator credential: letters (held ones with their reasons), print
 * runs (create, download the PDF and the CSV manifest, mark printed and posted), returned mail,
 * releasing or cancelling held letters, and letters asked for by hand.
 */
@ApiTags('mailroom')
@ApiExtraModels(SharingBoxesDto)
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/mailroom')
export class MailroomController {
  constructor(
    private readonly mailroom: Mailroom,
    private readonly consentForms: ConsentForms,
  ) {}

  @Get('letters')
  @ApiOperation({ summary: 'Letters, oldest first; `status=held` is the operator’s work list' })
  @ApiQuery({ name: 'status', required: false, enum: LETTER_STATUSES })
  @ApiQuery({ name: 'patient', required: false, description: 'A hub Patient record id' })
  @ApiQuery({ name: 'kind', required: false, enum: LETTER_KINDS })
  @ApiQuery({ name: 'run', required: false, description: 'A print run id' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 1000, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'The previous page’s `next`' })
  @ApiOkResponse({ type: LetterPageDto })
  letters(
    @Query('status') status?: string,
    @Query('patient') patient?: string,
    @Query('run') run?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
    @Query('kind') kind?: string,
  ): Promise<Page<LetterView>> {
    return answer(
      this.mailroom.listLetters({
        status: oneOf<LetterStatus>(status, LETTER_STATUSES, 'status'),
        ...(patient ? { patientId: patient } : {}),
        kind: oneOf<LetterKind>(kind, LETTER_KINDS, 'kind'),
        ...(run ? { runId: run } : {}),
        limit: limitOf(limit),
        ...(after ? { after } : {}),
      }),
    );
  }

  @Post('letters')
  @ApiOperation({ summary: 'Ask for a summary of a patient’s record by post' })
  @ApiCreatedResponse({ type: LetterDto })
  requestLetter(@Body() body: RequestLetterDto): Promise<LetterView> {
    if (body?.kind !== 'patient-summary') throw badRequest('kind must be patient-summary', ['kind']);
    if (typeof body.patientId !== 'string' || body.patientId === '')
      throw badRequest('patientId is required', ['patientId']);
    if (
      body.requestKey !== undefined &&
      (typeof body.requestKey !== 'string' || body.requestKey.length > 200)
    )
      throw badRequest('requestKey must be a string of at most 200 characters', ['requestKey']);
    return answer(this.mailroom.requestSummary(body.patientId, body.requestKey));
  }

  @Get('letters/:id')
  @ApiOkResponse({ type: LetterDto })
  letter(@Param('id') id: string): Promise<LetterView> {
    return answer(this.mailroom.letter(id));
  }

  @Post('letters/:id/returned')
  @HttpCode(200)
  @ApiOperation({
    summary: 'The letter came back: flag its address, tell the agencies holding a record of the person',
  })
  @ApiOkResponse({ type: ReturnedLetterDto })
  returned(@Param('id') id: string): Promise<ReturnedLetter> {
    return answer(this.mailroom.markReturned(id));
  }

  @Post('letters/:id/release')
  @HttpCode(200)
  @ApiOperation({ summary: 'The data was fixed: decide a held letter again (it may be held again)' })
  @ApiOkResponse({ type: LetterDto })
  release(@Param('id') id: string): Promise<LetterView> {
    return answer(this.mailroom.release(id));
  }

  @Post('letters/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Do not send a letter that has not joined a run' })
  @ApiOkResponse({ type: LetterDto })
  cancel(@Param('id') id: string): Promise<LetterView> {
    return answer(this.mailroom.cancel(id));
  }

  @Post('access-reports')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Periodic access reports: a letter to each person without an online account whose records were accessed',
  })
  @ApiOkResponse({ type: AccessReportsResultDto })
  accessReports(
    @Body() body: AccessReportsDto,
  ): Promise<{ people: number; letters: number; online: number }> {
    return answer(
      this.mailroom.requestAccessReports(instant(body?.start, 'start'), instant(body?.end, 'end')),
    );
  }

  @Post('consent-forms')
  @ApiOperation({
    summary:
      'A paper consent form came back: record the patient’s choice as a Consent written by the hub, confirmed by letter',
    description:
      '400: a code with a typo, an unknown box, an unsigned form, contradictory ticks. 404: no form has this code. ' +
      '409: the form was already recorded, or has expired.',
  })
  @ApiCreatedResponse({ type: RecordedFormDto })
  consentForm(@Body() body: ConsentFormDto): Promise<RecordedForm> {
    return answer(this.consentForms.record(body));
  }

  @Get('runs')
  @ApiOperation({ summary: 'Print runs, newest first' })
  @ApiQuery({ name: 'status', required: false, enum: RUN_STATUSES })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'after', required: false })
  @ApiOkResponse({ type: RunPageDto })
  runs(
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('after') after?: string,
  ): Promise<Page<RunView>> {
    return answer(
      this.mailroom.listRuns({
        status: oneOf<RunStatus>(status, RUN_STATUSES, 'status'),
        limit: limitOf(limit),
        ...(after ? { after } : {}),
      }),
    );
  }

  @Post('runs')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Gather the letters waiting (oldest first, up to the run size) into a run; it is rendered in the background',
  })
  @ApiOkResponse({ type: CreatedRunDto })
  async createRun(): Promise<{ run: RunView | null }> {
    return { run: (await answer(this.mailroom.createRun())) ?? null };
  }

  @Get('runs/:id')
  @ApiOkResponse({ type: RunDto })
  run(@Param('id') id: string): Promise<RunView> {
    return answer(this.mailroom.run(id));
  }

  @Get('runs/:id/pdf')
  @ApiOperation({ summary: 'The run’s merged PDF (each letter starts on an odd page), streamed' })
  @ApiProduces('application/pdf')
  pdf(@Param('id') id: string): Promise<StreamableFile> {
    return this.file(id, 'pdf');
  }

  @Get('runs/:id/manifest')
  @ApiOperation({
    summary: 'The run’s CSV manifest: letter id, patient reference, first page, pages, sheets, postage',
  })
  @ApiProduces('text/csv')
  manifest(@Param('id') id: string): Promise<StreamableFile> {
    return this.file(id, 'manifest');
  }

  @Post('runs/:id/printed')
  @HttpCode(200)
  @ApiOkResponse({ type: RunDto })
  printed(@Param('id') id: string): Promise<RunView> {
    return answer(this.mailroom.markPrinted(id));
  }

  @Post('runs/:id/posted')
  @HttpCode(200)
  @ApiOkResponse({ type: RunDto })
  posted(@Param('id') id: string): Promise<RunView> {
    return answer(this.mailroom.markPosted(id));
  }

  private async file(id: string, which: 'pdf' | 'manifest'): Promise<StreamableFile> {
    const file = await answer(this.mailroom.runFile(id, which));
    return new StreamableFile(createReadStream(file.path), {
      type: file.contentType,
      disposition: `attachment; filename="${file.fileName}"`,
      length: file.size,
    });
  }
}
