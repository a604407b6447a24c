import { Module } from '@nestjs/common';
import { FhirApiService } from './fhir-api.service';
import { FhirController } from './fhir.controller';
import { PatientLinksService } from './patient-links.service';

@Module({ controllers: [FhirController], providers: [FhirApiService, PatientLinksService] })
export class FhirModule {}
