import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AUDIT_SCHEMA, AuditWriter } from '@passerelle/audit';
import { CONSENT_SCHEMA, ConsentService, PersonConsentSource } from '@passerelle/consent';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { AgencyService, IDENTITY_SCHEMA, PatientIndex } from '@passerelle/identity';
import { MAILROOM_SCHEMA, MailroomWorker } from '@passerelle/letters';
import { FhirRepository, StoreModule } from '@passerelle/store';
import {
  createQueueDriver,
  loadRoutingRules,
  OutboxListener,
  QUEUE_DRIVER,
  type QueueDriver,
  Router,
  ROUTING_RULES,
  type RoutingRules,
  SYNC_SCHEMA,
  SyncWorker,
  writeOutbox,
} from '@passerelle/sync';
import { DataSource } from 'typeorm';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { WORKER_CONFIG, type WorkerConfig } from './worker-config';

/** Starts routing once the app is up; on SIGTERM stops polling, lets running jobs finish, writes the audit queue. */
@Injectable()
class WorkerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly worker: SyncWorker,
    private readonly mailroom: MailroomWorker,
    @Inject(QUEUE_DRIVER) private readonly queue: QueueDriver,
    private readonly audit: AuditWriter,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.worker.start();
    await this.mailroom.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.stop();
    await this.mailroom.stop();
    await this.queue.close();
    await this.audit.close();
  }
}

/**
 * The hub-side processors in their own process (production: PostgreSQL + Redis): the outbox
 * poller and the `route` queue. It reads resources and writes feeds and audit records; it never
 * writes resources, and leaves migrations to the hub.
 */
@Module({})
export class WorkerModule {
  /** The config is loaded once in main.ts and injected, never read from process.env by providers. */
  static forRoot(config: WorkerConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        StoreModule.forRoot(config.database, {
          migrate: false,
          schemas: [IDENTITY_SCHEMA, CONSENT_SCHEMA, AUDIT_SCHEMA, SYNC_SCHEMA, MAILROOM_SCHEMA],
          // The hub's migrations, all of them: a database a newer release migrated is refused.
          refuseNewer: true,
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController],
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        {
          provide: FhirRepository,
          inject: [DataSource],
          // Routing only reads; the mailroom writes the hub's own Communications, validated and
          // given outbox rows like any write.
          useFactory: (ds: DataSource) =>
            new FhirRepository(ds, {
              localBases: [],
              validator: getFhirSchemaValidator(),
              defaultCount: 20,
              maxCount: 500,
              afterWrite: [writeOutbox],
            }),
        },
        { provide: PatientIndex, inject: [DataSource], useFactory: (ds: DataSource) => new PatientIndex(ds) },
        {
          provide: AgencyService,
          inject: [DataSource, FhirRepository],
          useFactory: (ds: DataSource, repo: FhirRepository) => new AgencyService(ds, repo),
        },
        { provide: AuditWriter, inject: [DataSource], useFactory: (ds: DataSource) => new AuditWriter(ds) },
        {
          // The deployment's rules (SYNC_ROUTING_RULES), read and checked at start.
          provide: ROUTING_RULES,
          useFactory: () => {
            const rules = loadRoutingRules(config.sync.routingRulesFile);
            Logger.log(`routing by ${rules.rules.length} rules from ${rules.source}`, 'Routing');
            return rules;
          },
        },
        {
          provide: Router,
          inject: [DataSource, FhirRepository, PatientIndex, AgencyService, AuditWriter, ROUTING_RULES],
          useFactory: (
            dataSource: DataSource,
            repo: FhirRepository,
            mpi: PatientIndex,
            agencies: AgencyService,
            audit: AuditWriter,
            rules: RoutingRules,
          ) =>
            new Router({
              dataSource,
              repo,
              // The hub's own source: each person's records and active Consents in one statement.
              consent: new ConsentService(
                new PersonConsentSource(repo, { cacheSize: config.consent.parseCacheSize }),
                config.consent,
              ),
              audit,
              linkedPatients: (db, ids) => mpi.linkedPatientsMany(db, ids),
              agencies,
              rules,
            }),
        },
        {
          provide: QUEUE_DRIVER,
          useFactory: () =>
            createQueueDriver({
              redisUrl: config.redisUrl,
              prefix: config.redisKeyPrefix,
              stalled: config.sync.stalled,
            }),
        },
        {
          provide: SyncWorker,
          inject: [QUEUE_DRIVER, Router, DataSource],
          useFactory: (queue: QueueDriver, router: Router, ds: DataSource) =>
            new SyncWorker(queue, router, ds, config.sync, new OutboxListener(config.database.url)),
        },
        {
          provide: MailroomWorker,
          inject: [DataSource, FhirRepository, PatientIndex, AgencyService, AuditWriter, QUEUE_DRIVER],
          useFactory: (
            dataSource: DataSource,
            repo: FhirRepository,
            mpi: PatientIndex,
            agencies: AgencyService,
            audit: AuditWriter,
            queue: QueueDriver,
          ) =>
            new MailroomWorker(
              {
                dataSource,
                repo,
                audit,
                queue,
                linkedPatients: (db, id) => mpi.linkedPatients(db, id),
                agencyName: async (id) => (await agencies.find(id))?.name,
              },
              config.mailroom,
            ),
        },
        WorkerLifecycle,
      ],
      exports: [WORKER_CONFIG],
    };
  }
}
