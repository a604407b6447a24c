import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
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
  loadRoutingRules,
  OutboxListener,
  QUEUE_DRIVER,
  type QueueDriver,
  Router,
  ROUTING_RULES,
  type RoutingRules,
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
              inject: [
                DataSource,
                FhirRepository,
                CONSENT_DECIDER,
                AuditWriter,
                PatientIndex,
                AgencyService,
                ROUTING_RULES,
              ],
              useFactory: (
                dataSource: DataSource,
                repo: FhirRepository,
                consent: ConsentDecider,
                audit: AuditWriter,
                mpi: PatientIndex,
                agencies: AgencyService,
                rules: RoutingRules,
              ) =>
                new Router({
                  dataSource,
                  repo,
                  consent,
                  audit,
                  linkedPatients: (db, ids) => mpi.linkedPatientsMany(db, ids),
                  agencies,
                  rules,
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
        // Read and checked at start even when the worker runs elsewhere: the admin API shows them,
        // and a bad file stops the hub as it stops the worker.
        { provide: ROUTING_RULES, useFactory: () => routingRules(config.sync.routingRulesFile) },
        ...worker,
        SyncLifecycle,
      ],
      exports: [QUEUE_DRIVER, ROUTING_RULES],
    };
  }
}

/** The deployment's routing rules (SYNC_ROUTING_RULES or the default); a ConfigError stops the start. */
export function routingRules(file: string | undefined): RoutingRules {
  const rules = loadRoutingRules(file);
  Logger.log(`routing by ${rules.rules.length} rules from ${rules.source}`, 'Routing');
  return rules;
}
