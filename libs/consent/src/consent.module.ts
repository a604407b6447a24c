import { type DynamicModule, Global, Module } from '@nestjs/common';
import type { Consent } from 'fhir/r4';
import { getFhirSchemaValidator } from '@passerelle/fhir';
import { PatientIndex } from '@passerelle/identity';
import { FhirRepository, HUB_AGENCY, type RepositoryOptions, type WriteHook } from '@passerelle/store';
import { DataSource } from 'typeorm';
import { ConsentService } from './consent.service';
import { PatientNotifications } from './notifications/patient-notifications';
import { PersonConsentSource } from './person-consent-source';
import { validatePatientConsent } from './privacy-consent';
import { checkConsentAuthorship } from './relationships/authorship';
import { maintainCareRelationships } from './relationships/care-relationships';
import { writerMaySee } from './scoped/write-references';
import type { ConsentPolicy } from './types';

/** The decider every disclosure asks (an app may count its decisions: see the hub's CoreModule). */
export const CONSENT_DECIDER = Symbol('CONSENT_DECIDER');
/** The store and its consent decider, made together: each write's reference check asks the decider. */
const STORE_AND_CONSENT = Symbol('STORE_AND_CONSENT');

export interface ConsentModuleOptions {
  policy: ConsentPolicy;
  /** Most persons' parsed consent inputs kept in memory (CONSENT_PARSE_CACHE_SIZE). */
  parseCacheSize?: number;
  repository: Pick<RepositoryOptions, 'localBases' | 'defaultCount' | 'maxCount'>;
  /**
   * The write hooks of other libs, run after this lib's own in the writing transaction, in order
   * (the hub's: letters about care changes, then the outbox row).
   */
  afterWrite: (dataSource: DataSource) => WriteHook[];
}

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

/**
 * The hub's store and the consent service that decides over it, one for every process that
 * writes or discloses (the hub and the worker): the `FhirRepository` (the official R4 schema and
 * the patient-privacy rules on write, references checked against what the writer may see, the
 * consent lib's write hooks then the caller's) and the `ConsentService` reading each person's
 * records and active Consents in one statement. Needs the patient index (`IdentityModule`).
 */
@Global()
@Module({})
export class ConsentModule {
  static forRoot(options: ConsentModuleOptions): DynamicModule {
    return {
      module: ConsentModule,
      providers: [
        {
          provide: STORE_AND_CONSENT,
          inject: [DataSource, PatientIndex],
          useFactory: (dataSource: DataSource, mpi: PatientIndex) => {
            const repo: FhirRepository = new FhirRepository(dataSource, {
              ...options.repository,
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
              // In the writing transaction: a write's references must name what its writer may
              // see, decided by the same consent decider as the writer's reads.
              references: (db, actor, targets, written) => writerMaySee(consent)(db, actor, targets, written),
              // In the writing transaction: every Patient is linked to its person, every Consent
              // version becomes a notice to the patient, then the caller's hooks (letters about
              // care changes, the outbox row that routes every version).
              afterWrite: [
                mpi.linkWrittenPatients,
                // Then who may see the person's data from others, then who may record their consent.
                maintainCareRelationships,
                checkConsentAuthorship,
                consentChanges(new PatientNotifications(dataSource)),
                ...options.afterWrite(dataSource),
              ],
            });
            // One statement per person decided on (consent_lookup: linked records + active Consents).
            const consent = new ConsentService(
              new PersonConsentSource(repo, { cacheSize: options.parseCacheSize }),
              options.policy,
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
          provide: ConsentService,
          inject: [STORE_AND_CONSENT],
          useFactory: (made: { consent: ConsentService }) => made.consent,
        },
      ],
      exports: [FhirRepository, ConsentService],
    };
  }
}
