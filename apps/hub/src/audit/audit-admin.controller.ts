import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type ChainVerification, recordVerification, verifyAuditTrail } from '@passerelle/audit';
import { badRequest } from '@passerelle/fhir';
import { DataSource } from 'typeorm';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { AUDIT_CHECKPOINT_SOURCE, type CheckpointSourceProvider } from './checkpoint-keys';

/** A sequence number from the query string, or undefined when absent. */
function seqParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw badRequest(`${name} must be a whole number from 1`, [name]);
  return n;
}

/**
 * Operators check that the audit trail is whole: nothing edited, deleted or reordered, and the
 * chain still passes through every signed checkpoint (so nothing rewritten and re-hashed).
 */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/audit')
export class AuditAdminController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AUDIT_CHECKPOINT_SOURCE) private readonly checkpoints: CheckpointSourceProvider,
  ) {}

  /** Always 200 when the check ran: `ok: false` and the problems say what was found. */
  @Get('verify')
  async verify(@Query('from') from?: string, @Query('to') to?: string): Promise<ChainVerification> {
    const result = await verifyAuditTrail(this.dataSource.manager, this.checkpoints(), {
      fromSeq: seqParam(from, 'from'),
      toSeq: seqParam(to, 'to'),
    });
    // Kept, so the operator's overview shows when the chain was last checked and how it went.
    await recordVerification(this.dataSource.manager, result, 'admin-api');
    return result;
  }
}
