import { type DynamicModule, Global, Module } from '@nestjs/common';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import { CONSENT_DECIDER, type ConsentDecider, ConsentModule, ConsentService } from '@passerelle/consent';
import { IdentityModule } from '@passerelle/identity';
import { careLetters } from '@passerelle/mailroom';
import { InternalReads } from '@passerelle/store';
import { writeOutbox } from '@passerelle/sync';
import { HubMetrics } from './metrics/hub-metrics';

export const FHIR_BASE_URL = Symbol('FHIR_BASE_URL');

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

/**
 * The hub's data access, shared by the FHIR API, the token endpoint and the admin API: the
 * identity lib and the consent lib's store and decider (as the worker has them), and the decider
 * every disclosure asks here, its decisions counted.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: HubConfig): DynamicModule {
    const baseUrl = `${config.http.publicBaseUrl}/fhir`;
    return {
      module: CoreModule,
      imports: [
        IdentityModule.forRoot(),
        ConsentModule.forRoot({
          policy: config.consent,
          parseCacheSize: config.consent.parseCacheSize,
          repository: {
            localBases: [baseUrl],
            defaultCount: config.fhir.defaultPageSize,
            maxCount: config.fhir.maxPageSize,
          },
          // Appointments booked, moved or cancelled and changes of medicines become letters; every
          // version an outbox row to route.
          afterWrite: (dataSource) => [
            careLetters(new InternalReads(dataSource, config.fhir.maxPageSize), {
              timeZone: config.mailroom.timeZone,
            }),
            writeOutbox,
          ],
        }),
      ],
      providers: [
        { provide: HUB_CONFIG, useValue: config },
        { provide: FHIR_BASE_URL, useValue: baseUrl },
        {
          provide: CONSENT_DECIDER,
          inject: [ConsentService, HubMetrics],
          useFactory: (consent: ConsentService, metrics: HubMetrics) => {
            metrics.countConsentInputs(() => consent.inputs);
            return countedDecisions(consent, metrics);
          },
        },
      ],
      exports: [HUB_CONFIG, FHIR_BASE_URL, CONSENT_DECIDER],
    };
  }
}
