import { Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { type ListedRelationship, rebuildRelationships, relationshipsFor } from '@passerelle/consent';
import { isValidId, notFound } from '@passerelle/fhir';
import { PatientIndex } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';
import { AdminAuthGuard } from '../auth/admin-auth.guard';

/**
 * Operators see which agencies have a care relationship with a person (and why), and derive
 * them again from what is stored (after registering an agency's identifiers, say). Identifiers
 * only: the answer names records and agencies, never a person's details.
 */
@ApiTags('care relationships')
@ApiBearerAuth()
@UseGuards(AdminAuthGuard)
@Controller('admin/care-relationships')
export class CareRelationshipsController {
  constructor(
    private readonly mpi: PatientIndex,
    private readonly repo: FhirRepository,
  ) {}

  /** Every relationship with any record of the person of `Patient/{id}`. */
  @Get('patients/:id')
  async forPatient(
    @Param('id') id: string,
  ): Promise<{ patientIds: string[]; relationships: ListedRelationship[] }> {
    if (!isValidId(id)) throw notFound();
    const db = this.repo.dataSource.manager;
    const patientIds = await this.mpi.linkedPatients(db, id);
    return { patientIds, relationships: await relationshipsFor(db, patientIds) };
  }

  @Post('rebuild')
  @HttpCode(200)
  async rebuild(): Promise<{ relationships: number }> {
    return {
      relationships: await this.repo.transaction((db) => rebuildRelationships(db)),
    };
  }
}
