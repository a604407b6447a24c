import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { resolveAdminToken } from '../auth/admin-token';
import { HubMetrics } from './hub-metrics';
import { MetricsController } from './metrics.controller';

/** /metrics, and the HubMetrics the HTTP layer, consent and the audit writer report to. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: MetricsModule,
      controllers: [MetricsController],
      providers: [
        HubMetrics,
        { provide: ADMIN_TOKEN, useFactory: () => resolveAdminToken(config) },
        AdminAuthGuard,
      ],
      exports: [HubMetrics],
    };
  }
}
