import { Controller, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  type AuditArchive,
  AuditCheckpointer,
  type AuditPartition,
  AuditPartitionError,
  detachAuditMonth,
  listAuditPartitions,
} from '@passerelle/audit';
import { badRequest, conflict } from '@passerelle/fhir';
import { DataSource } from 'typeorm';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;

/**
 * The audit trail's monthly partitions, for operators: which months are attached (with their
 * run of the chain) and which were archived, and detaching the oldest month past once it has
 * been verified. The month's last record is signed as a checkpoint first; the detached table is
 * then the operator's to dump and drop (docs/audit.md).
 */
@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/audit/partitions')
export class AuditPartitionsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(AuditCheckpointer) private readonly checkpointer: AuditCheckpointer,
  ) {}

  @Get()
  list(): Promise<{ attached: AuditPartition[]; archived: AuditArchive[] }> {
    return listAuditPartitions(this.dataSource.manager);
  }

  /** 200 with the archive record; 400 for a malformed month; 409 when it cannot be detached now. */
  @Post(':month/detach')
  @HttpCode(200)
  async detach(@Param('month') month: string): Promise<AuditArchive> {
    if (!MONTH.test(month)) throw badRequest('month must be YYYY-MM', ['month']);
    try {
      return await detachAuditMonth(this.dataSource.manager, month, {
        sign: (seq, hash) => this.checkpointer.sign(seq, hash),
      });
    } catch (e) {
      if (e instanceof AuditPartitionError) throw conflict(e.message);
      throw e;
    }
  }
}
