import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type AuditOutcomeCode, type AuditPage, AuditQueries } from '@passerelle/audit';
import { badRequest, parseDateRange } from '@passerelle/fhir';
import { PatientIndex } from '@passerelle/identity';
import { DataSource } from 'typeorm';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

const OUTCOMES: readonly AuditOutcomeCode[] = ['0', '4', '8', '12'];

/**
 * The whole audit trail for operators: every agency's events and the hub's own (routing
 * denials among them), unredacted, newest first; `patient` stands for every record of the
 * person. Agencies read theirs through /fhir/AuditEvent.
 */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/audit')
export class AuditEventsController {
  private readonly queries: AuditQueries;

  constructor(
    private readonly dataSource: DataSource,
    private readonly mpi: PatientIndex,
  ) {
    this.queries = new AuditQueries(dataSource);
  }

  @Get('events')
  async events(
    @Query('agency') agency?: string,
    @Query('patient') patient?: string,
    @Query('subtype') subtype?: string,
    @Query('outcome') outcome?: string,
    @Query('since') since?: string,
    @Query('count') count?: string,
    @Query('after') after?: string,
  ): Promise<AuditPage> {
    const records =
      patient === undefined
        ? undefined
        : await this.mpi.linkedPatients(this.dataSource.manager, patient.replace(/^Patient\//, ''));
    if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome))
      throw badRequest('outcome must be 0, 4, 8 or 12', ['outcome']);
    const from = since === undefined ? undefined : parseDateRange(since);
    if (since !== undefined && !from) throw badRequest('since must be a FHIR date or dateTime', ['since']);
    const n = count === undefined ? 100 : Number(count);
    if (!Number.isSafeInteger(n) || n < 1 || n > 1000)
      throw badRequest('count must be a whole number from 1 to 1000', ['count']);
    const afterSeq = after === undefined ? undefined : Number(after);
    if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq))
      throw badRequest('after must be the next value of a previous page', ['after']);
    return this.queries.search({
      ...(agency !== undefined && { agency }),
      ...(records !== undefined && { patient: records }),
      ...(subtype !== undefined && { subtype }),
      ...(outcome !== undefined && { outcome: outcome as AuditOutcomeCode }),
      ...(from && { dateGe: new Date(from.lo) }),
      count: n,
      ...(afterSeq !== undefined && { after: afterSeq }),
    });
  }
}
