import { type DynamicModule, Global, Module } from '@nestjs/common';
import { FhirRepository } from '@passerelle/store';
import { DataSource } from 'typeorm';
import { AgencyService } from './agency/agency.service';
import { PatientIndex } from './mpi/patient-index';

/**
 * The patient index and the agencies, for every process of the hub (the hub and the worker).
 * Needs the database (`StoreModule`) and the hub's `FhirRepository` (`ConsentModule`).
 */
@Global()
@Module({})
export class IdentityModule {
  static forRoot(): DynamicModule {
    return {
      module: IdentityModule,
      providers: [
        { provide: PatientIndex, inject: [DataSource], useFactory: (ds: DataSource) => new PatientIndex(ds) },
        {
          provide: AgencyService,
          inject: [DataSource, FhirRepository],
          useFactory: (ds: DataSource, repo: FhirRepository) => new AgencyService(ds, repo),
        },
      ],
      exports: [PatientIndex, AgencyService],
    };
  }
}
