import { Controller, Get } from '@nestjs/common';
import type { AgencyKind } from './agency-kinds';
import type { AgencyAuth } from './auth';
import { SandboxService } from './sandbox.service';

export interface SandboxAgencyInfo {
  id: string;
  kind: AgencyKind;
  baseUrl: string;
  auth: AgencyAuth['type'];
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
      agencies: this.sandbox
        .agencies()
        .map((a) => ({ id: a.id, kind: a.kind, baseUrl: a.baseUrl, auth: a.auth.type })),
    };
  }
}
