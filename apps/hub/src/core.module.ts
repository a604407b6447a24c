import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import type { Consent } from 'fhir/r4';
import {
  checkConsentAuthorship,
  type ConsentDecider,
  ConsentService,
  maintainCareRelationships,
  PatientNotifications,
  PersonConsentSource,
  validatePatientConsent,
  writerMaySee,
} from '@passerelle/consent';
import { AgencyService, PatientIndex } from '@passerelle/identity';
import { careLetters, loadMailroomConfig } from '@passerelle/letters';
import { FhirRepository, HUB_AGENCY, InternalReads, type WriteHook } from '@passerelle/store';
import { writeOutbox } from '@passerelle/sync';
import { DataSource } from 'typeorm';
import { CONSENT_DECIDER } from './fhir/scope.factory';
import { HubMetrics } from './metrics/hub-metrics';

export const FHIR_BASE_URL = Symbol('FHIR_BASE_URL');
/** The store and its consent decider, made together: each write's reference check asks the decider. */
const STORE_AND_CONSENT = Symbol('STORE_AND_CONSENT');

/**
 * Every Consent version an agency records is a change the patient is told of (in the same
 * transaction). The hub writes Consents only from a patient's paper form, and the mailroom
 * confirms those with a letter of their own (`consent-form-recorded`), in the same transaction.
 */
function consentChanges(notifications: PatientNotifications): WriteHook {
  return async (db, actor, written) => {
    if (actor.agency === HUB_AGENCY) return;
    for (const row of written) {
      if (row.type === 'Consent' && row.patientId) {
        await notifications.consentChanged(db, row.patientId, row.id, row.versionId, actor.agency);
      }
    }
  };
}

/** The decider of disclosures, each decision counted by outcome and reason (/metrics). */
function countedDecisions(consent: ConsentDecider, metrics: HubMetrics): ConsentDecider {
  const readAndDecide = consent.readAndDecide?.bind(consent);
  return {
    decideAll: async (db, ctx, facts) => {
      const decisions = await consent.decideAll(db, ctx, facts);
      metrics.consentDecided(decisions);
      return decisions;
    },
    readAndDecide:
      readAndDecide &&
      (async (db, ctx, type, id) => {
        const answer = await readAndDecide(db, ctx, type, id);
        if (answer?.decision) metrics.consentDecided([answer.decision]);
        return answer;
      }),
  };
}

/** The hub's data access, shared by the FHIR API, the token endpoint and the admin API. */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: HubConfig): DynamicModule {
    const baseUrl = `${config.http.publicBaseUrl}/fhir`;
    return {
      module: CoreModule,
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: FHIR_BASE_URL, useValue: baseUrl },
        {
          provide: PatientIndex,
          inject: [DataSource],
          useFactory: (dataSource: DataSource) => new PatientIndex(dataSource),
        },
        {
          provide: STORE_AND_CONSENT,
          inject: [DataSource, PatientIndex],
          useFactory: (dataSource: DataSource, mpi: PatientIndex) => {
            const repo: FhirRepository = new FhirRepository(dataSource, {
              localBases: [baseUrl],
              // The official R4 schema for every resource; the patient-privacy rules for Consents.
              validator: {
                validate: (resource: unknown) => {
                  const issues = getFhirSchemaValidator().validate(resource);
                  const consent = resource as Consent;
                  return issues.length === 0 && consent.resourceType === 'Consent'
                    ? validatePatientConsent(consent)
                    : issues;
                },
              },
              defaultCount: config.fhir.defaultPageSize,
              maxCount: config.fhir.maxPageSize,
              // In the writing transaction: a write's references must name what its writer may
              // see, decided by the same consent decider as the writer's reads.
              references: (db, actor, targets, written) => writerMaySee(consent)(db, actor, targets, written),
              // In the writing transaction: every Patient is linked to its person, every Consent
              // version becomes a notice to the patient, an appointment booked, moved or cancelled
              // and a change of medicines become letters, every version an outbox row to route.
              afterWrite: [
                mpi.linkWrittenPatients,
                // Then who may see the person's data from others, then who may record their consent.
                maintainCareRelationships,
                checkConsentAuthorship,
                consentChanges(new PatientNotifications(dataSource)),
                careLetters(new InternalReads(dataSource, config.fhir.maxPageSize), {
                  timeZone: loadMailroomConfig(process.env, config.database).timeZone,
                }),
                writeOutbox,
              ],
            });
            // One statement per person decided on (consent_lookup: linked records + active Consents).
            const consent: ConsentDecider = new ConsentService(
              new PersonConsentSource(repo, { cacheSize: config.consent.parseCacheSize }),
              config.consent,
            );
            return { repo, consent };
          },
        },
        {
          provide: FhirRepository,
          inject: [STORE_AND_CONSENT],
          useFactory: (made: { repo: FhirRepository }) => made.repo,
        },
        {
          provide: CONSENT_DECIDER,
          inject: [STORE_AND_CONSENT, HubMetrics],
          useFactory: (made: { consent: ConsentDecider }, metrics: HubMetrics) =>
            countedDecisions(made.consent, metrics),
        },
        {
          provide: AgencyService,
          inject: [DataSource, FhirRepository],
          useFactory: (dataSource: DataSource, fhir: FhirRepository) => new AgencyService(dataSource, fhir),
        },
      ],
      exports: [HUB_CONFIG, FHIR_BASE_URL, FhirRepository, CONSENT_DECIDER, AgencyService, PatientIndex],
    };
  }
}
