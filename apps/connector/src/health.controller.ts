import { Controller, Get, Inject } from '@nestjs/common';
import { type Connector } from './connector';
import { type ConnectorKind } from './connector-config';
import { CONNECTOR } from './connector.module-tokens';
import { processMemory, type ProcessMemory } from './memory';
import type { SyncHealth } from './sync/sync-cycle';

export interface ConnectorHealth {
  status: 'ok';
  service: 'connector';
  kind: ConnectorKind;
  agency: string;
  sync: SyncHealth & { running: boolean };
  /** This process's memory in bytes (bench/footprint follows it; docs/operations.md, small server). */
  memory: ProcessMemory;
}

/** Liveness for the orchestrator, the last successful sync times for the operator, and the process's memory. */
@Controller()
export class HealthController {
  constructor(@Inject(CONNECTOR) private readonly connector: Connector) {}

  @Get('health')
  health(): ConnectorHealth {
    const { config, cycle, loop } = this.connector;
    return {
      status: 'ok',
      service: 'connector',
      kind: config.kind,
      agency: config.hub.clientId,
      sync: { ...cycle.status.snapshot(), running: loop.isRunning },
      memory: processMemory(),
    };
  }
}
