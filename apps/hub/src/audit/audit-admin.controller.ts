import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type ChainVerification, verifyAuditChain } from '@passerelle/audit';
import { badRequest } from '@passerelle/fhir';
import { DataSource } from 'typeorm';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

/** A sequence number from the query string, or undefined when absent. */
function seqParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw badRequest(`${name} must be a whole number from 1`, [name]);
  return n;
}

/** Operators check that the audit trail is whole: nothing edited, deleted or reordered. */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/audit')
export class AuditAdminController {
  constructor(private readonly dataSource: DataSource) {}

  /** Always 200 when the check ran: `ok: false` and the problems say what was found. */
  @Get('verify')
  verify(@Query('from') from?: string, @Query('to') to?: string): Promise<ChainVerification> {
    return verifyAuditChain(this.dataSource.manager, {
      fromSeq: seqParam(from, 'from'),
      toSeq: seqParam(to, 'to'),
    });
  }
}
