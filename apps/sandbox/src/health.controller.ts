import { Controller, Get } from '@nestjs/common';

export interface SandboxHealth {
  status: 'ok';
  service: 'sandbox';
}

/** Liveness for the orchestrator: the process is up and serving HTTP. */
@Controller()
export class HealthController {
  @Get('health')
  health(): SandboxHealth {
    return { status: 'ok', service: 'sandbox' };
  }
}
