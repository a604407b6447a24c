import { Inject, Injectable } from '@nestjs/common';
import {
  CONSENT_DECIDER,
  type ConsentDecider,
  ConsentScopedRepository,
  type DisclosureAuditor,
  PageBinding,
  PatientNotifications,
  type ScopeOptions,
} from '@passerelle/consent';
import type { AccessContext } from '@passerelle/identity';
import { FhirRepository } from '@passerelle/store';

/** Builds the auditor for one caller: the audit records name the agency, practitioner and purpose. */
export const AUDITOR_FACTORY = Symbol('AUDITOR_FACTORY');
export type AuditorFactory = (access: AccessContext, requestId: string) => DisclosureAuditor;

/** One consent-scoped repository per request: the only way the FHIR API reads patient data. */
@Injectable()
export class ScopeFactory {
  constructor(
    private readonly repo: FhirRepository,
    @Inject(CONSENT_DECIDER) private readonly consent: ConsentDecider,
    @Inject(AUDITOR_FACTORY) private readonly auditors: AuditorFactory,
    private readonly notifier: PatientNotifications,
    private readonly pages: PageBinding,
  ) {}

  for(access: AccessContext, requestId: string, options?: ScopeOptions): ConsentScopedRepository {
    return new ConsentScopedRepository(
      {
        repo: this.repo,
        consent: this.consent,
        auditor: this.auditors(access, requestId),
        notifier: this.notifier,
        pages: this.pages,
      },
      {
        agency: access.agency,
        agencyKind: access.agencyKind,
        purposeOfUse: access.purposeOfUse,
        practitioner: access.practitioner,
        breakGlassReason: access.breakGlassReason,
        requestId,
      },
      options,
    );
  }
}
