import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { StoreModule } from '@passerelle/store';
import { FhirExceptionFilter } from './fhir/fhir-exception.filter';
import { FhirModule } from './fhir/fhir.module';
import { HealthController } from './health.controller';

@Module({})
export class HubModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: HubModule,
      imports: [
        StoreModule.forRoot(config.database, { migrate: config.migrations === 'auto' }),
        FhirModule.forRoot(config),
      ],
      controllers: [HealthController],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: FhirExceptionFilter },
      ],
    };
  }
}
