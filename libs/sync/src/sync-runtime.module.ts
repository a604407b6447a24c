import { type DynamicModule, Global, Logger, Module } from '@nestjs/common';
import { AuditWriter } from '@passerelle/audit';
import type { SyncConfig } from '@passerelle/config';
import { CONSENT_DECIDER, type ConsentDecider } from '@passerelle/consent';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';
import { DataSource } from 'typeorm';
import { createQueueDriver } from './queue/create-queue-driver';
import { QUEUE_DRIVER, type QueueDriver } from './queue/queue.types';
import { Router } from './routing/router';
import type { RoutingRules } from './routing/rules';
import { loadRoutingRules, ROUTING_RULES } from './routing/rules-file';
import { OutboxListener } from './worker/outbox-listener';
import { SyncWorker } from './worker/sync-worker';

export interface SyncRuntimeOptions {
  /** BullMQ on this Redis; unset: the in-process driver. secret: may carry a password. */
  redisUrl?: string;
  redisKeyPrefix: string;
  sync: Pick<
    SyncConfig,
    'pollIntervalMs' | 'concurrency' | 'routeBatchSize' | 'rescanIntervalMs' | 'stalled' | 'routingRulesFile'
  >;
  /** Route in this process: the worker app, or the hub on SYNC_WORKER=in-process. */
  worker: boolean;
  /** PostgreSQL's URL: routed at COMMIT (LISTEN); unset (PGlite's one connection): polling only. */
  listenUrl?: string;
}

/**
 * The process's queue driver (BullMQ with REDIS_URL, in-process without), the deployment's
 * routing rules and, where this process routes, the `Router` and the `SyncWorker`, built on the
 * process's consent decider (`CONSENT_DECIDER`) and audit writer. The hub and the worker import
 * it; each starts and stops the worker in its own lifecycle (the order matters at shutdown).
 */
@Global()
@Module({})
export class SyncRuntimeModule {
  static forRoot(options: SyncRuntimeOptions): DynamicModule {
    const worker = options.worker
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
                options.sync,
                options.listenUrl === undefined ? undefined : new OutboxListener(options.listenUrl),
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
              redisUrl: options.redisUrl,
              prefix: options.redisKeyPrefix,
              stalled: options.sync.stalled,
            }),
        },
        // Read and checked at start even where the worker runs elsewhere: the hub's admin API shows
        // them, and a bad file stops the hub as it stops the worker.
        { provide: ROUTING_RULES, useFactory: () => routingRules(options.sync.routingRulesFile) },
        ...worker,
      ],
      exports: [QUEUE_DRIVER, ROUTING_RULES, ...(options.worker ? [SyncWorker] : [])],
    };
  }
}

/** The deployment's routing rules (SYNC_ROUTING_RULES or the default); a ConfigError stops the start. */
export function routingRules(file: string | undefined): RoutingRules {
  const rules = loadRoutingRules(file);
  Logger.log(`routing by ${rules.rules.length} rules from ${rules.source}`, 'Routing');
  return rules;
}
