import { Controller, Get, Inject } from '@nestjs/common';
import { CONNECTOR_CONFIG, type ConnectorConfig, type ConnectorKind } from './connector-config';

export interface ConnectorHealth {
  status: 'ok';
  service: 'connector';
  kind: ConnectorKind;
}

/** Liveness for the orchestrator; the kind lets an operator see which agency role this is. */
@Controller()
export class HealthController {
  constructor(@Inject(CONNECTOR_CONFIG) private readonly config: ConnectorConfig) {}

  @Get('health')
  health(): ConnectorHealth {
    return { status: 'ok', service: 'connector', kind: this.config.kind };
  }
}
