import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AuditWriter } from '@passerelle/audit';
import { badRequest } from '@passerelle/fhir';
import { type CandidateView, type LinkChange, PatientIndex, type PersonView } from '@passerelle/identity';
import { type Db, FhirRepository } from '@passerelle/store';
import type { FastifyRequest } from 'fastify';
import { AdminAuthGuard } from '../auth/admin-auth.guard';
import { auditLinkChanges } from './mpi-audit';

/** The operator who made a change, as the audit trail names them (header X-Operator, else "operator"). */
function operatorOf(request: FastifyRequest): string {
  const name = request.headers['x-operator'];
  return typeof name === 'string' && /^[\w .@-]{1,100}$/.test(name) ? name : 'operator';
}

/** Operators review candidate links of the patient index, and link or unlink records by hand. */
@ApiTags('patient index')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/mpi')
export class MpiController {
  constructor(
    private readonly mpi: PatientIndex,
    private readonly repo: FhirRepository,
    private readonly audit: AuditWriter,
  ) {}

  @Get('candidates')
  candidates(@Query('count') count?: string, @Query('after') after?: string): Promise<CandidateView[]> {
    return this.mpi.listCandidates({ count: count ? Number(count) : undefined, after });
  }

  @Get('persons/:id')
  async person(@Param('id') id: string): Promise<PersonView | undefined> {
    return this.mpi.person(this.repo.dataSource.manager, id);
  }

  @Post('candidates/:id/confirm')
  @HttpCode(200)
  confirm(@Param('id') id: string, @Req() request: FastifyRequest): Promise<LinkChange[]> {
    return this.audited(request, (db, operator) => this.mpi.confirm(id, operator, db));
  }

  @Post('candidates/:id/reject')
  @HttpCode(200)
  reject(@Param('id') id: string, @Req() request: FastifyRequest): Promise<LinkChange[]> {
    return this.audited(request, (db, operator) => this.mpi.reject(id, operator, db));
  }

  @Post('patients/:id/link')
  @HttpCode(200)
  link(
    @Param('id') id: string,
    @Body() body: { personId?: unknown },
    @Req() request: FastifyRequest,
  ): Promise<LinkChange[]> {
    if (typeof body?.personId !== 'string')
      throw badRequest('Body must be { "personId": "..." }', ['personId']);
    const personId = body.personId;
    return this.audited(request, (db, operator) => this.mpi.link(id, personId, operator, db));
  }

  @Post('patients/:id/unlink')
  @HttpCode(200)
  unlink(@Param('id') id: string, @Req() request: FastifyRequest): Promise<LinkChange[]> {
    return this.audited(request, (db, operator) => this.mpi.unlink(id, operator, db));
  }

  /** The change and its audit record commit together, or neither does. */
  private audited(
    request: FastifyRequest,
    change: (db: Db, operator: string) => Promise<LinkChange[]>,
  ): Promise<LinkChange[]> {
    return this.repo.transaction(async (db) => {
      const changes = await change(db, operatorOf(request));
      await auditLinkChanges(this.audit, db, changes, request.id);
      return changes;
    });
  }
}
