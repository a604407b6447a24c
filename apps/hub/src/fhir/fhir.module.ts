import { Module } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { FhirRepository } from '@passerelle/store';
import { DataSource } from 'typeorm';
import { FHIR_BASE_URL, FhirApiService } from './fhir-api.service';
import { FhirController } from './fhir.controller';

@Module({})
export class FhirModule {
  static forRoot(config: HubConfig) {
    const baseUrl = `${config.http.publicBaseUrl}/fhir`;
    return {
      module: FhirModule,
      controllers: [FhirController],
      providers: [
        { provide: FHIR_BASE_URL, useValue: baseUrl },
        {
          provide: FhirRepository,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) =>
            new FhirRepository(dataSource, {
              localBases: [baseUrl],
              validator: getFhirSchemaValidator(),
              defaultCount: config.fhir.defaultPageSize,
              maxCount: config.fhir.maxPageSize,
            }),
        },
        FhirApiService,
      ],
    };
  }
}
