import { type DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { resolveAdminToken } from '../auth/admin-token';
import { AuditAdminController } from '../audit/audit-admin.controller';
import { AuditEventsController } from '../audit/audit-events.controller';
import { AuditPartitionsController } from '../audit/audit-partitions.controller';
import { CareRelationshipsController } from './care.controller';
import { AUDIT_CHECKPOINT_SOURCE, checkpointSource } from '../audit/checkpoint-keys';
import { AccountsController } from './accounts.controller';
import { AgenciesController } from './agencies.controller';
import { MpiController } from './mpi.controller';
import { MailroomController } from '../mailroom/mailroom.controller';
import { SyncAdminController } from '../sync/sync-admin.controller';

@Module({})
export class AdminModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: AdminModule,
      controllers: [
        AgenciesController,
        MpiController,
        AuditAdminController,
        AuditEventsController,
        AuditPartitionsController,
        CareRelationshipsController,
        SyncAdminController,
        MailroomController,
        AccountsController,
      ],
      providers: [
        { provide: ADMIN_TOKEN, useFactory: () => resolveAdminToken(config) },
        AdminAuthGuard,
        { provide: AUDIT_CHECKPOINT_SOURCE, useValue: () => checkpointSource(config) },
      ],
    };
  }
}
