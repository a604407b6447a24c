import { type DynamicModule, Global, Module } from '@nestjs/common';
import { AuditWriter } from '@passerelle/audit';
import type { MailroomConfig } from '@passerelle/config';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';
import { QUEUE_DRIVER, type QueueDriver } from '@passerelle/sync';
import { DataSource } from 'typeorm';
import { ConsentForms } from './consent-forms';
import { Mailroom } from './mailroom';
import { DEFAULT_WORKER_OPTIONS, type MailroomDeps } from './mailroom-deps';
import { MailroomWorker } from './mailroom-worker';

const MAILROOM_DEPS = Symbol('MAILROOM_DEPS');

/**
 * The mailroom for the hub and the worker alike: `Mailroom` and `ConsentForms` (what the hub's
 * admin API and pages call) always, and where this process runs the mailroom's jobs (the worker
 * app, or the hub on SYNC_WORKER=in-process, the embedded default) the `MailroomWorker` too:
 * notification poller, `letter` and `print-run` processors on the process's queue driver. Its
 * settings are the validated config's (`mailroom`: MAILROOM_*, LETTER_SENDER_*). Needs the
 * database, the hub's repository, the identity lib, the queue driver (`SyncRuntimeModule`) and
 * an `AuditWriter`; each app starts and stops the worker in its own lifecycle.
 */
@Global()
@Module({})
export class MailroomModule {
  static forRoot(mailroom: MailroomConfig, where: { worker: boolean }): DynamicModule {
    const options = { ...DEFAULT_WORKER_OPTIONS, ...mailroom };
    const worker = where.worker
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
      ],
      exports: [Mailroom, ConsentForms, ...(where.worker ? [MailroomWorker] : [])],
    };
  }
}
