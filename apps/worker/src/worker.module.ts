import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Module,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AUDIT_SCHEMA, AuditWriter } from '@passerelle/audit';
import { CONSENT_DECIDER, CONSENT_SCHEMA, ConsentModule, ConsentService } from '@passerelle/consent';
import { IDENTITY_SCHEMA, IdentityModule } from '@passerelle/identity';
import { careLetters, MAILROOM_SCHEMA, MailroomModule, MailroomWorker } from '@passerelle/mailroom';
import { InternalReads, StoreModule } from '@passerelle/store';
import {
  QUEUE_DRIVER,
  type QueueDriver,
  SYNC_SCHEMA,
  SyncRuntimeModule,
  SyncWorker,
  writeOutbox,
} from '@passerelle/sync';
import { DataSource } from 'typeorm';
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

/** What the libs' modules take from the worker itself: its audit writer and its consent decider. */
@Global()
@Module({})
class WorkerCoreModule {
  static forRoot(): DynamicModule {
    return {
      module: WorkerCoreModule,
      providers: [
        { provide: AuditWriter, inject: [DataSource], useFactory: (ds: DataSource) => new AuditWriter(ds) },
        // Routing asks the consent lib's own service (the hub counts its decisions for /metrics).
        { provide: CONSENT_DECIDER, useExisting: ConsentService },
      ],
      exports: [AuditWriter, CONSENT_DECIDER],
    };
  }
}

/**
 * The hub-side processors in their own process (production: PostgreSQL + Redis): the outbox
 * poller and the `route` queue, the mailroom's poller and its `letter` and `print-run` queues.
 * Wired from the same lib modules as the hub (identity, consent, sync, mailroom), so a job does
 * the same here as in the hub's own process; it writes only the hub's Communications, and leaves
 * migrations to the hub.
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
        WorkerCoreModule.forRoot(),
        IdentityModule.forRoot(),
        ConsentModule.forRoot({
          policy: config.consent,
          parseCacheSize: config.consent.parseCacheSize,
          // The worker serves no FHIR API: no base URL of its own, the API's default page sizes.
          repository: { localBases: [], defaultCount: 20, maxCount: 500 },
          // The hub's hooks, in the hub's order (apps/hub/src/core.module.ts).
          afterWrite: (dataSource) => [
            careLetters(new InternalReads(dataSource, 500), { timeZone: config.mailroom.timeZone }),
            writeOutbox,
          ],
        }),
        SyncRuntimeModule.forRoot({
          redisUrl: config.redisUrl,
          redisKeyPrefix: config.redisKeyPrefix,
          sync: config.sync,
          worker: true,
          listenUrl: config.database.url,
        }),
        MailroomModule.forRoot(config.mailroom, { worker: true }),
      ],
      controllers: [HealthController],
      providers: [{ provide: WORKER_CONFIG, useValue: config }, WorkerLifecycle],
      exports: [WORKER_CONFIG],
    };
  }
}
