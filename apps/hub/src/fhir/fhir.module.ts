import { Module } from '@nestjs/common';
import { AuditApiService } from './audit-api.service';
import { FhirApiService } from './fhir-api.service';
import { FhirController } from './fhir.controller';
import { PatientLinksService } from './patient-links.service';

@Module({ controllers: [FhirController], providers: [FhirApiService, PatientLinksService, AuditApiService] })
export class FhirModule {}
