import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import {
  AuditCheckpointer,
  type AuditInput,
  AuditPartitionKeeper,
  AuditProjector,
  AuditQueries,
  AuditWriter,
} from '@passerelle/audit';
import type { HubConfig } from '@passerelle/config';
import { type DisclosureRecord, PageBinding, PatientNotifications } from '@passerelle/consent';
import { type AccessContext, AccessTokenService } from '@passerelle/identity';
import { DataSource } from 'typeorm';
import { createHubCheckpointer } from '../audit/checkpointer';
import { AUDITOR_FACTORY, type AuditorFactory, ScopeFactory } from './scope.factory';
import { HubMetrics } from '../metrics/hub-metrics';

@Injectable()
class AuditWriterCloser implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(AuditWriter) private readonly writer: AuditWriter,
    @Inject(AuditCheckpointer) private readonly checkpointer: AuditCheckpointer,
    @Inject(AuditPartitionKeeper) private readonly partitions: AuditPartitionKeeper,
    @Inject(AuditProjector) private readonly projector: AuditProjector,
  ) {}

  /**
   * The audit trail's months ahead are made before the first request (then each day); the
   * projection (`audit_event`) catches up with the log, then follows it.
   */
  async onApplicationBootstrap(): Promise<void> {
    this.checkpointer.start();
    await this.partitions.start();
    await this.projector.start();
  }

  /**
   * What is queued is written before the database closes (that happens on application shutdown),
   * then projected, then the head, with those last records, is signed once more.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.partitions.close();
    await this.writer.close();
    await this.projector.close();
    await this.checkpointer.close();
  }
}

/**
 * Consent, audit and patient notifications: what every disclosure goes through. The audit
 * records of a caller name its agency, client, practitioner and purpose of use.
 */
@Global()
@Module({})
export class DisclosureModule {
  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: DisclosureModule,
      providers: [
        {
          provide: AuditWriter,
          inject: [DataSource, HubMetrics],
          useFactory: (ds: DataSource, metrics: HubMetrics) =>
            new AuditWriter(ds, { onFlush: (records, ms) => metrics.auditFlushed(records, ms) }),
        },
        {
          provide: AuditCheckpointer,
          inject: [DataSource],
          useFactory: (ds: DataSource) => createHubCheckpointer(config, ds),
        },
        {
          provide: AuditPartitionKeeper,
          inject: [DataSource],
          useFactory: (ds: DataSource) =>
            new AuditPartitionKeeper(ds.manager, {
              // The error's name and message only: making a table holds no patient data.
              onError: (e) =>
                new Logger('AuditPartitions').error(
                  `Making the audit trail's months ahead failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`,
                ),
            }),
        },
        {
          provide: AuditProjector,
          inject: [DataSource, HubMetrics],
          useFactory: (ds: DataSource, metrics: HubMetrics) =>
            new AuditProjector(ds.manager, {
              onProjected: (records, ms) => metrics.auditProjected(records, ms),
              // The error's name and message only: the projection's SQL names no patient.
              onError: (e) =>
                new Logger('AuditProjection').error(
                  `Projecting the audit log failed: ${e instanceof Error ? `${e.name}: ${e.message}` : 'error'}`,
                ),
            }),
        },
        AuditWriterCloser,
        { provide: AuditQueries, inject: [DataSource], useFactory: (ds: DataSource) => new AuditQueries(ds) },
        {
          provide: AUDITOR_FACTORY,
          inject: [AuditWriter],
          useFactory:
            (writer: AuditWriter): AuditorFactory =>
            (access: AccessContext, requestId: string) => {
              const inputs = (records: DisclosureRecord[]): AuditInput[] =>
                records.map((r) => ({
                  interaction: r.interaction,
                  operation: r.operation,
                  outcome: r.outcome,
                  outcomeDesc: r.outcome === 'denied' ? 'consent' : undefined,
                  agency: access.agency,
                  agencyKind: access.agencyKind,
                  clientId: access.agency,
                  practitioner: access.practitioner,
                  purposeOfUse: access.purposeOfUse,
                  breakGlassReason: r.breakGlass ? access.breakGlassReason : undefined,
                  patientId: r.patientId,
                  resourceType: r.resourceType,
                  query: r.query,
                  requestId,
                }));
              return {
                record: async (records) => {
                  await writer.record(inputs(records));
                },
                recordIn: async (db, records) => {
                  // bench/ingest's baseline only: the previous way, after the write committed.
                  if (config.fhir.writeAudit === 'after-commit') await writer.record(inputs(records));
                  else await writer.recordIn(db, inputs(records));
                },
              };
            },
        },
        {
          provide: PatientNotifications,
          inject: [DataSource],
          useFactory: (ds: DataSource) => new PatientNotifications(ds),
        },
        {
          // Paging links are bound to their agency with a key derived from the hub's signing key,
          // so every hub instance accepts the links any of them issued.
          provide: PageBinding,
          inject: [AccessTokenService],
          useFactory: (tokens: AccessTokenService) => new PageBinding(tokens.deriveKey('page-binding')),
        },
        ScopeFactory,
      ],
      exports: [
        AuditWriter,
        AuditCheckpointer,
        AuditProjector,
        AuditQueries,
        AUDITOR_FACTORY,
        PatientNotifications,
        PageBinding,
        ScopeFactory,
      ],
    };
  }
}
