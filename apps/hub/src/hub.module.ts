import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import type { HubConfig } from '@passerelle/config';
import { MailroomModule } from '@passerelle/mailroom';
import { StoreModule } from '@passerelle/store';
import { SyncRuntimeModule } from '@passerelle/sync';
import { AdminModule } from './admin/admin.module';
import { AuthModule } from './auth/auth.module';
import { CoreModule } from './core.module';
import { FhirExceptionFilter } from './fhir/fhir-exception.filter';
import { DisclosureModule } from './fhir/disclosure.module';
import { FhirModule } from './fhir/fhir.module';
import { HealthModule } from './health/health.module';
import { HttpDrain } from './http-drain';
import { HUB_SCHEMAS } from './hub-schemas';
import { MetricsModule } from './metrics/metrics.module';
import { QueuesModule } from './queues/queues.module';
import { RuntimeLifecycle } from './runtime.lifecycle';
import { SummaryModule } from './summary/summary.module';
import { SyncModule } from './sync/sync.module';
import { AccessModule } from './throttle/access.module';
import { AccountsModule } from './web/accounts.module';
import { WebModule } from './web/web.module';

@Module({})
export class HubModule {
  static forRoot(config: HubConfig): DynamicModule {
    // The routing and mailroom workers in the hub's own process (the embedded default), or in the worker app.
    const inProcess = config.sync.worker === 'in-process';
    return {
      module: HubModule,
      imports: [
        StoreModule.forRoot(config.database, {
          migrate: config.migrations === 'auto',
          schemas: HUB_SCHEMAS,
          // Every migration the hub ships: a database a newer release migrated is refused.
          refuseNewer: true,
        }),
        MetricsModule.forRoot(config),
        CoreModule.forRoot(config),
        DisclosureModule.forRoot(config),
        FhirModule,
        SummaryModule,
        SyncRuntimeModule.forRoot({
          redisUrl: config.redisUrl,
          redisKeyPrefix: config.redisKeyPrefix,
          sync: config.sync,
          worker: inProcess,
          // On PostgreSQL, routed at COMMIT; PGlite's one connection leaves it to polling.
          ...(config.database.kind === 'postgres' ? { listenUrl: config.database.url } : {}),
        }),
        QueuesModule.forRoot(config),
        SyncModule,
        MailroomModule.forRoot(config.mailroom, { worker: inProcess }),
        AdminModule.forRoot(config),
        AuthModule.forRoot(config),
        AccessModule.forRoot(config),
        HealthModule,
        AccountsModule,
        WebModule,
      ],
      providers: [{ provide: APP_FILTER, useClass: FhirExceptionFilter }, HttpDrain, RuntimeLifecycle],
    };
  }
}
