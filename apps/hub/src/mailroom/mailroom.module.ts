import {
  type BeforeApplicationShutdown,
  type DynamicModule,
  Global,
  Injectable,
  Module,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import { AuditWriter } from '@passerelle/audit';
import type { HubConfig } from '@passerelle/config';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import {
  ConsentForms,
  DEFAULT_WORKER_OPTIONS,
  loadMailroomConfig,
  Mailroom,
  type MailroomConfig,
  type MailroomDeps,
  MailroomWorker,
} from '@passerelle/letters';
import { FhirRepository } from '@passerelle/store';
import { QUEUE_DRIVER, type QueueDriver } from '@passerelle/sync';
import { DataSource } from 'typeorm';

export const MAILROOM_DEPS = Symbol('MAILROOM_DEPS');

/** Starts the mailroom's worker after the app is up; stops its polling before the queue closes. */
@Injectable()
class MailroomLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Optional() private readonly worker?: MailroomWorker) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.worker?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.worker?.stop();
  }
}

/**
 * The mailroom in the hub: `Mailroom` and `ConsentForms` (what the admin API's MailroomController
 * calls) always, and when the routing worker runs in the hub's own process (SYNC_WORKER=in-process,
 * the embedded default) the `MailroomWorker` too: notification poller, `letter` and `print-run` processors on
 * the hub's queue driver. Otherwise the worker app runs them.
 *
 * Its settings (MAILROOM_*, LETTER_SENDER_*) are read by `loadMailroomConfig` at start-up; until
 * HubConfig carries them, from the process environment.
 */
@Global()
@Module({})
export class MailroomModule {
  static forRoot(
    config: HubConfig,
    mailroom: MailroomConfig = loadMailroomConfig(process.env, config.database),
  ): DynamicModule {
    const options = { ...DEFAULT_WORKER_OPTIONS, ...mailroom };
    const worker =
      config.sync.worker === 'in-process'
        ? [
            {
              provide: MailroomWorker,
              inject: [MAILROOM_DEPS, AuditWriter],
              useFactory: (deps: MailroomDeps, audit: AuditWriter) =>
                new MailroomWorker({ ...deps, audit }, options),
            },
          ]
        : [];
    return {
      module: MailroomModule,
      providers: [
        {
          provide: MAILROOM_DEPS,
          inject: [DataSource, FhirRepository, PatientIndex, AgencyService, QUEUE_DRIVER],
          useFactory: (
            dataSource: DataSource,
            repo: FhirRepository,
            mpi: PatientIndex,
            agencies: AgencyService,
            queue: QueueDriver,
          ): MailroomDeps => ({
            dataSource,
            repo,
            linkedPatients: (db, id) => mpi.linkedPatients(db, id),
            agencyName: async (id) => (await agencies.find(id))?.name,
            agencyCountry: async (id) => (await agencies.find(id))?.country,
            queue,
          }),
        },
        {
          provide: Mailroom,
          inject: [MAILROOM_DEPS],
          useFactory: (deps: MailroomDeps) => new Mailroom(deps, options),
        },
        {
          provide: ConsentForms,
          inject: [MAILROOM_DEPS, AuditWriter],
          useFactory: (deps: MailroomDeps, audit: AuditWriter) => new ConsentForms({ ...deps, audit }),
        },
        ...worker,
        MailroomLifecycle,
      ],
      exports: [Mailroom, ConsentForms],
    };
  }
}
