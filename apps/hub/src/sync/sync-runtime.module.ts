import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { AuditWriter } from '@passerelle/audit';
import type { HubConfig } from '@passerelle/config';
import type { ConsentDecider } from '@passerelle/consent';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';
import {
  createQueueDriver,
  OutboxListener,
  QUEUE_DRIVER,
  type QueueDriver,
  Router,
  SyncWorker,
} from '@passerelle/sync';
import { DataSource } from 'typeorm';
import { CONSENT_DECIDER } from '../fhir/scope.factory';

/** Starts the routing worker after the app is up; stops it, then the queue, before the database closes. */
@Injectable()
class SyncLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    @Optional() private readonly worker?: SyncWorker,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.worker?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
    await this.queue.close();
  }
}

/**
 * The process's queue driver (BullMQ with REDIS_URL, in-process without) and, when
 * SYNC_WORKER=in-process (the embedded default), the routing worker in the hub's own process,
 * built on the hub's own consent decider and audit writer.
 */
@Global()
@Module({})
export class SyncRuntimeModule {
  static forRoot(config: HubConfig): DynamicModule {
    const worker =
      config.sync.worker === 'in-process'
        ? [
            {
              provide: Router,
              inject: [DataSource, FhirRepository, CONSENT_DECIDER, AuditWriter, PatientIndex, AgencyService],
              useFactory: (
                dataSource: DataSource,
                repo: FhirRepository,
                consent: ConsentDecider,
                audit: AuditWriter,
                mpi: PatientIndex,
                agencies: AgencyService,
              ) =>
                new Router({
                  dataSource,
                  repo,
                  consent,
                  audit,
                  linkedPatients: (db, ids) => mpi.linkedPatientsMany(db, ids),
                  agencies,
                }),
            },
            {
              provide: SyncWorker,
              inject: [QUEUE_DRIVER, Router, DataSource],
              useFactory: (queue: QueueDriver, router: Router, dataSource: DataSource) =>
                new SyncWorker(
                  queue,
                  router,
                  dataSource,
                  config.sync,
                  // On PostgreSQL, routed at COMMIT; PGlite's one connection leaves it to polling.
                  config.database.kind === 'postgres' ? new OutboxListener(config.database.url) : undefined,
                ),
            },
          ]
        : [];
    return {
      module: SyncRuntimeModule,
      providers: [
        {
          provide: QUEUE_DRIVER,
          useFactory: () =>
            createQueueDriver({
              redisUrl: config.redisUrl,
              prefix: config.redisKeyPrefix,
              stalled: config.sync.stalled,
            }),
        },
        ...worker,
        SyncLifecycle,
      ],
      exports: [QUEUE_DRIVER],
    };
  }
}
