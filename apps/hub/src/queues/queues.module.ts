import { type DynamicModule, Module } from '@nestjs/common';
import type { HubConfig } from '@passerelle/config';
import { ADMIN_TOKEN, AdminAuthGuard } from '../auth/admin-auth.guard';
import { resolveAdminToken } from '../auth/admin-token';
import { QueueBoard } from './queue-board';
import { QueuesAdminController } from './queues-admin.controller';

/**
 * The operator's view of the queues: the admin API (counts, dead letters, replay) and, with the
 * BullMQ driver, Bull Board. It uses the process's QUEUE_DRIVER from a global module (the one
 * that creates the driver also closes it); it neither creates nor closes one itself.
 */
@Module({})
export class QueuesModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: QueuesModule,
      controllers: [QueuesAdminController],
      providers: [
        { provide: ADMIN_TOKEN, useFactory: () => resolveAdminToken(config) },
        AdminAuthGuard,
        QueueBoard,
      ],
    };
  }
}
