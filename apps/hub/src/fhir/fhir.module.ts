import { Module } from '@nestjs/common';
import { BinaryController } from '../binary/binary.controller';
import { AuditApiService } from './audit-api.service';
import { ConditionalDeleteController } from './conditional-delete.controller';
import { FhirApiService } from './fhir-api.service';
import { FhirController } from './fhir.controller';
import { PatientLinksService } from './patient-links.service';

/** The FHIR API; its search service is shared with the clinician page (the same consent scope). */
@Module({
  controllers: [BinaryController, FhirController, ConditionalDeleteController],
  providers: [FhirApiService, PatientLinksService, AuditApiService],
  exports: [FhirApiService],
})
export class FhirModule {}
