import { Controller, Get } from '@nestjs/common';
import type { AgencyKind } from './agency-kinds';
import type { AgencyAuth } from './auth';
import { SandboxService } from './sandbox.service';

export interface SandboxAgencyInfo {
  id: string;
  kind: AgencyKind;
  baseUrl: string;
  auth: AgencyAuth['type'];
  /**
   * Who the agency is, as the hub registers it: its Organization's name and national identifiers
   * (FINESS, ODS: public registry numbers). The demo's launcher reads them here rather than load
   * the synthetic data lib for the whole demo.
   */
  organization: { name: string; identifiers: { system: string; value: string }[] };
}

export interface SandboxHealth {
  status: 'ok';
  service: 'sandbox';
  agencies: SandboxAgencyInfo[];
}

/** Liveness for the orchestrator, and where each agency's FHIR server is (never credentials). */
@Controller()
export class HealthController {
  constructor(private readonly sandbox: SandboxService) {}

  @Get('health')
  health(): SandboxHealth {
    return {
      status: 'ok',
      service: 'sandbox',
      agencies: this.sandbox.agencies().map((a) => ({
        id: a.id,
        kind: a.kind,
        baseUrl: a.baseUrl,
        auth: a.auth.type,
        organization: {
          name: a.identity.organization.name ?? a.id,
          identifiers: (a.identity.organization.identifier ?? []).flatMap((i) =>
            i.system && i.value ? [{ system: i.system, value: i.value }] : [],
          ),
        },
      })),
    };
  }
}
