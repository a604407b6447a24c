import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { LiveSession } from '@passerelle/accounts';
import { HUB_CONFIG, type HubConfig } from '@passerelle/config';
import type { ConsentScopedRepository } from '@passerelle/consent';
import {
  type AccessContext,
  AgencyService,
  intersectScopes,
  parseScope,
  parseScopes,
  type PurposeOfUse,
} from '@passerelle/identity';
import type { Acting } from '@passerelle/web';
import { ScopeFactory } from '../fhir/scope.factory';

/** A page reads and searches, never writes: at most these, and only what the agency may. */
const PAGE_SCOPES = parseScopes('system/*.rs');

export interface ClinicianAct {
  acting: Acting;
  access: AccessContext;
  scope: ConsentScopedRepository;
}

export type HowOpened = { purpose: PurposeOfUse } | { breakGlassReason: string };

/**
 * A clinician's page acts as their agency with the practitioner recorded: the same access
 * context a token would carry, with the same scopes the agency may be granted, read through the
 * same consent-scoped repository, audited by the same auditor. A suspended or unknown agency
 * acts for nobody.
 */
@Injectable()
export class ClinicianAccess {
  constructor(
    private readonly agencies: AgencyService,
    private readonly scopes: ScopeFactory,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  get breakGlassAllowed(): boolean {
    return this.config.consent.breakGlass === 'allowed';
  }

  async acting(session: LiveSession): Promise<Acting | undefined> {
    const agency = session.account.agency ? await this.agencies.find(session.account.agency) : undefined;
    if (!agency || agency.status !== 'active' || !session.account.practitioner) return undefined;
    return { agencyName: agency.name, practitioner: session.account.practitioner };
  }

  /** The access of one request; undefined when the account acts for no active agency. */
  async act(session: LiveSession, how: HowOpened): Promise<ClinicianAct | undefined> {
    const { agency: agencyId, practitioner } = session.account;
    if (!agencyId || !practitioner) return undefined;
    const agency = await this.agencies.find(agencyId);
    if (!agency || agency.status !== 'active') return undefined;
    const allowed = agency.scopes.flatMap((s) => parseScope(s) ?? []);
    const requestId = randomUUID();
    const access: AccessContext = {
      agency: agency.id,
      agencyKind: agency.kind,
      scopes: intersectScopes(PAGE_SCOPES, allowed),
      practitioner,
      ...('purpose' in how
        ? { purposeOfUse: how.purpose }
        : { purposeOfUse: 'ETREAT' as const, breakGlassReason: how.breakGlassReason }),
      // The audit trail names the session's page access as a token's would name the token.
      tokenId: `page-session:${session.id.slice(0, 16)}`,
    };
    return {
      acting: { agencyName: agency.name, practitioner },
      access,
      scope: this.scopes.for(access, requestId),
    };
  }
}
