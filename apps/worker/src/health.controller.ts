import { Controller, Get } from '@nestjs/common';

export interface WorkerHealth {
  status: 'ok';
  service: 'worker';
}

/** Liveness for the orchestrator: the process is up and serving HTTP. */
@Controller()
export class HealthController {
  @Get('health')
  health(): WorkerHealth {
    return { status: 'ok', service: 'worker' };
  }
}
